package cli

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
)

// progressLog turns the engine's progress lines into log records, so that
// with --log-format json stderr holds nothing but JSON lines: each line
// "issues: running 3s, ..." becomes msg=progress resource=issues
// status="running 3s, ...".
type progressLog struct {
	log  *slog.Logger
	mu   sync.Mutex
	part []byte // a line not yet ended
}

func (p *progressLog) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.part = append(p.part, b...)
	for {
		i := bytes.IndexByte(p.part, '\n')
		if i < 0 {
			break
		}
		line := string(p.part[:i])
		p.part = p.part[i+1:]
		if line == "" {
			continue
		}
		resource, status, ok := strings.Cut(line, ": ")
		if !ok {
			p.log.Info("progress", "status", line)
			continue
		}
		p.log.Info("progress", "resource", resource, "status", status)
	}
	return len(b), nil
}
