package engine

import (
	"context"
	"errors"
	"testing"
)

// TestPoolQueues checks that work submitted while every slot is busy
// waits for the next free slot instead of running on the caller, that
// the caller runs it only when the queue is full too, and that a failed
// chain ends the context of the queued work at once.
func TestPoolQueues(t *testing.T) {
	for _, c := range []struct {
		name         string
		fail         bool
		submits      int
		inline       []bool // whether submit i ran its work before returning
		wantErr      bool
		queuedCtxErr bool
	}{
		{name: "queued while the slot is busy", submits: 2, inline: []bool{false, false}},
		{name: "inline when the queue is full", submits: 3, inline: []bool{false, false, true}},
		{name: "a failure ends queued work's context", fail: true, submits: 2, inline: []bool{false, false}, wantErr: true, queuedCtxErr: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := newPool(context.Background(), 1)
			release := make(chan struct{})
			ran := make([]chan error, c.submits) // the context's error when work i ran
			boom := errors.New("boom")
			for i := range c.submits {
				ran[i] = make(chan error, 1)
				err := p.submit(func(ctx context.Context) error {
					if i == 0 {
						<-release
						ran[i] <- ctx.Err()
						if c.fail {
							return boom
						}
						return nil
					}
					ran[i] <- ctx.Err()
					return nil
				})
				if err != nil {
					t.Fatalf("submit %d: %v", i, err)
				}
				select {
				case <-ran[i]:
					if !c.inline[i] {
						t.Errorf("submit %d ran its work on the caller, want it queued", i)
					}
				default:
					if c.inline[i] {
						t.Errorf("submit %d returned before running its work, want it run inline", i)
					}
				}
			}
			close(release)
			err := p.wait()
			if (err != nil) != c.wantErr {
				t.Errorf("wait = %v, want error %v", err, c.wantErr)
			}
			if c.inline[1] {
				return
			}
			select {
			case ctxErr := <-ran[1]:
				if (ctxErr != nil) != c.queuedCtxErr {
					t.Errorf("queued work ran with context error %v, want error %v", ctxErr, c.queuedCtxErr)
				}
			default:
				t.Errorf("queued work never ran")
			}
		})
	}
}
