using MiniCrm.Bench;

var options = BenchOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

await using var bench = await BenchSystem.StartAsync(options);
var results = await new Scenarios(bench, options).RunAsync();
results.Print();
results.Write(Path.Combine(bench.RepositoryRoot, "bench", "results.json"));
return 0;
