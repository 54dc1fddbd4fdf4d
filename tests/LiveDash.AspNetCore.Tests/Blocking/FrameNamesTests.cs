namespace LiveDash.AspNetCore.Tests.Blocking;

/// <summary>Stack frames read as a person would: whose code, which call blocks, compiler-generated names made readable.</summary>
public class FrameNamesTests
{
    [Theory]
    [InlineData("Program+<>c.<<Main>$>b__0_1", "/blocking", "Program.<lambda /blocking>")]
    [InlineData("Program+<>c__DisplayClass0_0.<<Main>$>b__3", "/lock", "Program.<lambda /lock>")]
    [InlineData("Program+<>c+<<<Main>$>b__0_2>d.MoveNext", "/async", "Program.<lambda /async>")]
    [InlineData("Shop.OrderService+<>c.<List>b__4_0", "/orders", "Shop.OrderService.<lambda in List>")]
    [InlineData("LiveDash.Store.Postgres.PostgresStore+<GetOrdersAsync>d__12.MoveNext", "/api/orders", "LiveDash.Store.Postgres.PostgresStore.GetOrdersAsync")]
    [InlineData("LiveDash.Store.Postgres.PostgresStore.GetOrders", "/api/orders", "LiveDash.Store.Postgres.PostgresStore.GetOrders")]
    [InlineData("Program.<<Main>$>g__Slow|0_5", "/slow", "Program.Slow")]
    [InlineData("Shop.Repository`1[System.__Canon].Load", "/x", "Shop.Repository`1.Load")]
    public void CompilerGeneratedNamesReadAsTheCodeWasWritten(string frame, string route, string expected) =>
        Assert.Equal(expected, FrameNames.Readable(frame, route));

    [Theory]
    [InlineData("System.Threading.Thread.Sleep", "Thread.Sleep")]
    [InlineData("System.Threading.Lock.TryEnterSlow", "Lock.TryEnter")]
    [InlineData("System.Threading.Lock.EnterScope", "Lock.Enter")]
    [InlineData("System.Threading.Monitor.Enter_Slowpath", "Monitor.Enter")]
    [InlineData("System.Runtime.CompilerServices.TaskAwaiter.HandleNonSuccessAndDebuggerNotification", "TaskAwaiter.GetResult")]
    [InlineData("System.Runtime.CompilerServices.TaskAwaiter`1[System.Int32].GetResult", "TaskAwaiter.GetResult")]
    [InlineData("System.Threading.Tasks.Task.InternalWaitCore", "Task.Wait")]
    [InlineData("System.Net.Sockets.Socket.Receive", "Socket.Receive")]
    [InlineData("System.Threading.Thread.get_CurrentThread", null)]
    [InlineData("Program.Sleep", null)]
    public void KnownBlockingCallsAreNamedShort(string frame, string? expected) => Assert.Equal(expected, FrameNames.Blocking(frame));

    [Theory]
    [InlineData("Program+<>c.<<Main>$>b__0_1", "MinimalApi", true)]
    [InlineData("LiveDash.Store.Postgres.PostgresStore.GetOrders", "LiveDash.Web", true)]
    [InlineData("System.Threading.Thread.Sleep", "System.Private.CoreLib", false)]
    [InlineData("Npgsql.Internal.NpgsqlReadBuffer.Ensure", "Npgsql", false)]
    [InlineData("MongoDB.Driver.Core.Connections.BinaryConnection.Receive", null, false)]
    [InlineData("LiveDash.Telemetry.TelemetryMiddleware+<InvokeAsync>d__8.MoveNext", "LiveDash.AspNetCore", false)]
    [InlineData("dynamicClass.lambda_method14", null, false)]
    public void OnlyTheAppsOwnCodeIsTheAppFrame(string frame, string? module, bool app) => Assert.Equal(app, FrameNames.IsApp(frame, module));

    [Theory]
    [InlineData("System.Private.CoreLib!System.Threading.Thread.Sleep(int32)", "System.Threading.Thread.Sleep")]
    [InlineData("System.Runtime.CompilerServices.AsyncMethodBuilderCore.Start[System.__Canon](!!0&)", "System.Runtime.CompilerServices.AsyncMethodBuilderCore.Start[System.__Canon]")]
    public void AFramesNameLosesItsModuleAndParameters(string frame, string expected) => Assert.Equal(expected, FrameNames.Method(frame));

    static (string, string?) F(string method, string? module = null) => (method, module);

    [Fact]
    public void TheBlockingFrameIsTheOneNearestTheAppsCode()
    {
        var sample = BlockingAnalysis.Classify("/sync-over-async", null,
        [
            F("System.Threading.ManualResetEventSlim.Wait"), F("System.Threading.Tasks.Task.SpinThenBlockingWait"),
            F("System.Threading.Tasks.Task.InternalWait"), F("System.Runtime.CompilerServices.TaskAwaiter.HandleNonSuccessAndDebuggerNotification"),
            F("Shop.Orders.Load", "Shop"), F("Microsoft.AspNetCore.Routing.EndpointMiddleware.Invoke"),
        ]);
        Assert.NotNull(sample);
        Assert.Equal("Shop.Orders.Load", sample.Value.AppFrame);
        Assert.Equal("TaskAwaiter.GetResult", sample.Value.BlockingFrame);
        Assert.Equal("System.Threading.ManualResetEventSlim.Wait", sample.Value.Stack[0]);
    }

    [Fact]
    public void AHandlerInlinedIntoTheGeneratedDelegateIsNamedFromTheEndpoint()
    {
        var sample = BlockingAnalysis.Classify("/blocking", "Program+<>c.<<Main>$>b__0_1",
            [F("System.Threading.Thread.Sleep"), F("dynamicClass.lambda_method14"), F("Microsoft.AspNetCore.Routing.EndpointMiddleware.Invoke")]);
        Assert.Equal("Program.<lambda /blocking>", sample!.Value.AppFrame);
        Assert.Equal("Thread.Sleep", sample.Value.BlockingFrame);
    }

    [Fact]
    public void ASyscallUnderAnotherApiIsNamedForTheSyscall()
    {
        var sample = BlockingAnalysis.Classify("/file", null, [F("Interop+Sys.Read"), F("Shop.Files.Slurp", "Shop")]);
        Assert.Equal("read (syscall)", sample!.Value.BlockingFrame);
        Assert.Equal("Shop.Files.Slurp", sample.Value.AppFrame);
    }

    [Fact]
    public void NativeWorkWithNoBlockingCallIsNotBlocking() =>
        // An allocation's slow path runs in the runtime (the sampler says "External") but waits on nothing.
        Assert.Null(BlockingAnalysis.Classify("/async", null,
            [F("System.Runtime.CompilerServices.AsyncTaskMethodBuilder`1.GetStateMachineBox"), F("Program+<>c.<<Main>$>b__0_3", "MinimalApi")]));

    [Fact]
    public void SitesAreRankedWithTheirShareOfTheEndpointsBlockedSamples()
    {
        var sleep = new BlockingAnalysis.BlockedSample("/lock", "Program.<lambda /lock>", "Thread.Sleep", ["System.Threading.Thread.Sleep"]);
        var enter = new BlockingAnalysis.BlockedSample("/lock", "Program.<lambda /lock>", "Lock.Enter", ["System.Threading.Lock.TryEnterSlow"]);
        var other = new BlockingAnalysis.BlockedSample("/blocking", "Program.<lambda /blocking>", "Thread.Sleep", ["System.Threading.Thread.Sleep"]);
        var endpoints = BlockingAnalysis.Summarize([(sleep, 25), (enter, 70), (enter with { Stack = ["x"] }, 5), (other, 40)]);
        Assert.Equal(["/lock", "/blocking"], endpoints.Select(e => e.Route));
        var top = endpoints[0].Sites[0];
        Assert.Equal(("Lock.Enter", 75L, 0.75), (top.BlockingFrame, top.Samples, top.Share));
        Assert.Equal(["System.Threading.Lock.TryEnterSlow"], top.Stack);   // the site's most frequent stack
        Assert.Equal(0.25, endpoints[0].Sites[1].Share);
        Assert.Equal(100, endpoints[0].BlockedSamples);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("31")]
    [InlineData("abc")]
    [InlineData("5.5")]
    public void SecondsOutside1To30AreRefused(string seconds) => Assert.NotNull(BlockingCaptureApi.ParseSeconds(seconds, out _));

    [Fact]
    public void SecondsDefaultToFive()
    {
        Assert.Null(BlockingCaptureApi.ParseSeconds(null, out var seconds));
        Assert.Equal(5, seconds);
        Assert.Null(BlockingCaptureApi.ParseSeconds("30", out seconds));
        Assert.Equal(30, seconds);
    }
}
