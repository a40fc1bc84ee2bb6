package sqlload

// SetFilterSize makes the root id filters of new tables hold first ids
// in their first stage and have stages stages, until restore is called.
func SetFilterSize(first, stages int) (restore func()) {
	f, s := filterFirstStage, filterMaxStages
	filterFirstStage, filterMaxStages = first, stages
	return func() { filterFirstStage, filterMaxStages = f, s }
}
