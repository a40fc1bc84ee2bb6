package spec

// Source maps field paths of a loaded spec to their position in the file.
// (Implemented by the loader; see load.go.)
type Source struct {
	positions map[string][2]int
}

// Pos returns the 1-based line and column of the node at path (dotted,
// e.g. "resources[2].endpoint.path"), or of its nearest ancestor present in
// the file; 0, 0 when s is nil.
func (s *Source) Pos(path string) (line, col int) {
	if s == nil {
		return 0, 0
	}
	p := s.positions[path]
	return p[0], p[1]
}
