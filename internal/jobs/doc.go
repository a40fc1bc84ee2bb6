// Package jobs runs pipe loads as River jobs, so that any number of
// worker processes on any number of machines share them, and a periodic
// schedule fires once per interval however many workers run.
//
// A run is a RunArgs job. It builds the plan and picks the resource it is
// partitioned on: the first root resource with children (see
// partitionRoot). It requests that root's records (or takes the items of
// its list variable), cuts them into batches, and loads the first batch
// with every resource outside the root's tree in one destination
// transaction; in that same transaction it inserts one PartitionArgs job
// per other batch and completes itself (river.JobCompleteTx). A partition
// job loads its batch's parent records and every chain below them, and
// completes itself in its load's transaction. So the rows, the
// per-parent cursors and the job's completion of each partition commit
// together or not at all: a worker killed mid-partition leaves nothing,
// and the job is worked again by another worker once River rescues it.
//
// This needs the queue and the destination in one database: jobs load
// into the queue's own database.
//
// On one machine (pipe serve, Queue.Serve) the queue is a SQLite file
// worked by River's SQLite driver. SQLite has one writer, so a run there
// is not partitioned: its one job loads everything into Target.Dest in
// one transaction, and completes in it when Target.Dest is the queue's
// file (else River completes it just after the load commits).
package jobs
