namespace LiveDash.LoadTests.Cli;

public static class ExitCodes
{
    public const int Ok = 0;
    public const int Usage = 2;
    public const int ThresholdsFailed = 3;
    public const int TargetUnreachable = 4;
    public const int AdminApiFailed = 5;
    public const int Cancelled = 130;
}
