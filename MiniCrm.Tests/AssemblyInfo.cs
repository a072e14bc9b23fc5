// One AppHost at a time: two cores cannot start two pipelines side by side in reasonable time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
