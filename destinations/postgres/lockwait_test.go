package postgres

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the watch's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLockWatch: while the connection of a load's transaction waits for
// a lock another session holds, the log says which table and which
// session, once the wait has lasted two looks, and nothing once the
// watch has stopped; the holder's query is never quoted.
func TestLockWatch(t *testing.T) {
	dataset := freshDataset(t)
	poll, repeat := lockPoll, lockRepeat
	lockPoll, lockRepeat = 50*time.Millisecond, time.Hour
	t.Cleanup(func() { lockPoll, lockRepeat = poll, repeat })
	var log syncBuffer
	d, err := Open(t.Context(), testDSN(), WithDataset(dataset), WithLogger(slog.New(slog.NewTextHandler(&log, nil))))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	db, err := connect(testDSN(), dataset)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE held (id text)`); err != nil {
		t.Fatal(err)
	}
	holder, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback()
	if _, err := holder.Exec(`LOCK TABLE held IN ACCESS EXCLUSIVE MODE /* secret-in-query */`); err != nil {
		t.Fatal(err)
	}
	dialect := d.Dialect().(*Dialect)
	conn, err := d.DB().Connx(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := dialect.BeforeBegin(t.Context(), conn); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() {
		_, err := conn.ExecContext(context.Background(), `SELECT count(*) FROM `+dataset+`.held`)
		waited <- err
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(log.String(), "waiting") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	said := log.String()
	if err := holder.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := <-waited; err != nil {
		t.Fatal(err)
	}
	if err := dialect.AfterEnd(t.Context(), conn); err != nil {
		t.Fatal(err)
	}
	t.Logf("log: %s", said)
	for _, want := range []string{"level=WARN", "lock on " + dataset + ".held", "held by session ", "idle in transaction", "lock_timeout=60s", "pg_terminate_backend("} {
		if !strings.Contains(said, want) {
			t.Errorf("the log lacks %q", want)
		}
	}
	if strings.Contains(said, "secret-in-query") || strings.Count(said, "waiting") != 1 {
		t.Errorf("the log quotes the holder's query, or warns more than once: %s", said)
	}
	before := log.String()
	time.Sleep(4 * lockPoll)
	if log.String() != before {
		t.Errorf("the watch went on after AfterEnd: %s", log.String())
	}
}

// TestLockWaitMessage: the warning names the table and the session
// holding it as far as Postgres tells.
func TestLockWaitMessage(t *testing.T) {
	for _, tt := range []struct {
		lw   lockWait
		want string
	}{
		{lockWait{what: "s.items", holder: 42, application: "psql", state: "idle in transaction", xactSecs: 300},
			`waiting 3s for a lock on s.items held by session 42 (application "psql", idle in transaction, its transaction open 5m0s); the load goes on once it is released (add lock_timeout=60s to the DSN to fail instead, or end that session: SELECT pg_terminate_backend(42))`},
		{lockWait{what: "transactionid"},
			`waiting 3s for a lock on transactionid held by another session; the load goes on once it is released (add lock_timeout=60s to the DSN to fail instead)`},
	} {
		if got := tt.lw.message(3 * time.Second); got != tt.want {
			t.Errorf("message:\n got %s\nwant %s", got, tt.want)
		}
	}
}
