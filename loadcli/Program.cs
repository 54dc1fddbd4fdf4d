using LiveDash.LoadTests.Cli;

return await new LoadApp(Console.Out, Console.Error).RunAsync(args);
