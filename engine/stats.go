package engine

import (
	"time"

	"github.com/pipe-etl/pipe/engine/rest"
	"github.com/pipe-etl/pipe/engine/state"
)

// ResourceStats counts what a resource produced.
type ResourceStats struct {
	Chains  int64
	Pages   int64
	Records int64 // kept records
	Rows    int64
	// Requests counts HTTP attempts, Retries those after a request's
	// first, Errors those that got no response or an error status.
	Requests int64
	Retries  int64
	Errors   int64
	// RateWait is the wall time during which at least one request of the
	// resource waited for a rate limit (concurrent waits count once).
	RateWait time.Duration
	// ExpectedPages is the pages the API announced in all (total_path of
	// offset and page_number) for a root resource; 0 when unknown.
	ExpectedPages int64
	// Submitted counts the request chains submitted, Ended those that
	// ended; AllSubmitted is set once Submitted is final (the roots'
	// chains are all submitted, or the parent resource completed), so that
	// progress can give an ETA from the chains left.
	Submitted, Ended int64
	AllSubmitted     bool
	// Started and Finished bound the resource's extraction; Finished is
	// zero until Done.
	Started, Finished time.Time
	// Done is set when the resource has extracted everything.
	Done bool
	// Incremental says where an incremental resource's chains started
	// and ended; nil for other resources.
	Incremental *IncrementalStats
	// Sample is what a sample run saw (Options.SamplePages); nil otherwise.
	Sample *Sample

	waiting   int       // requests waiting for a rate limit now
	waitSince time.Time // when waiting last became above 0
}

// IncrementalStats describes the cursors of an incremental resource's
// chains in a run.
type IncrementalStats struct {
	Chains  int64 // chains walked
	Resumed int64 // of which started from a committed cursor
	// From is the smallest value a chain started from (the committed
	// cursor, less the lag, or the initial value); To the largest cursor
	// a chain ended with ("" when none was seen).
	From, To string
}

// chain counts one chain that started at start and ended at end ("" for
// none). The caller holds runner.mu.
func (s *IncrementalStats) chain(resumed bool, start, end string) {
	s.Chains++
	if resumed {
		s.Resumed++
	}
	if start != "" && (s.From == "" || state.Compare(start, s.From) < 0) {
		s.From = start
	}
	if end != "" && (s.To == "" || state.Compare(end, s.To) > 0) {
		s.To = end
	}
}

// Sample is what a resource's requests and pages were in a sample run.
type Sample struct {
	Requests []rest.Attempt
	// Pages holds, per page in order, the records the response held and
	// those kept (filters, incremental window).
	Pages []SamplePage
	// Detected holds what auto-detection chose and why (paginator,
	// data_selector), as it logged it.
	Detected []string
}

// SamplePage counts one page's records.
type SamplePage struct {
	Received, Kept int
}

// waitedAt returns RateWait including a wait still going on at now.
func (s *ResourceStats) waitedAt(now time.Time) time.Duration {
	if s.waiting > 0 {
		return s.RateWait + now.Sub(s.waitSince)
	}
	return s.RateWait
}

// startWait and endWait bracket one request's wait for a rate limit.
// The caller holds runner.mu.
func (s *ResourceStats) startWait(now time.Time) {
	if s.waiting == 0 {
		s.waitSince = now
	}
	s.waiting++
}

func (s *ResourceStats) endWait(now time.Time) {
	s.waiting--
	if s.waiting == 0 {
		s.RateWait += now.Sub(s.waitSince)
	}
}

// attempt counts one HTTP attempt. The caller holds runner.mu.
func (s *ResourceStats) attempt(a rest.Attempt) {
	s.Requests++
	if a.Number > 1 {
		s.Retries++
	}
	if a.Failed() {
		s.Errors++
	}
	if s.Sample != nil {
		s.Sample.Requests = append(s.Sample.Requests, a)
	}
}
