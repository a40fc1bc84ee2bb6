package cli

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// cpuProfileEnv names the environment variable that, when set to a path,
// makes any command write a CPU profile of the whole process there
// (go tool pprof reads it). It is for measuring a real run as benchcmp
// runs it, a subprocess with a cold page cache, not a user option.
const cpuProfileEnv = "PIPE_CPUPROFILE"

// startCPUProfile starts the CPU profile $PIPE_CPUPROFILE asks for and
// returns the function that writes it; without one it does nothing.
func (e *env) startCPUProfile() (stop func() error, err error) {
	path, ok := e.getenv(cpuProfileEnv)
	if !ok || path == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cpuProfileEnv, err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("%s: %w", cpuProfileEnv, err)
	}
	return func() error {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			return fmt.Errorf("%s: %w", cpuProfileEnv, err)
		}
		return nil
	}, nil
}
