namespace LiveDash.Mongo;

/// <summary>
/// IEEE 754-2008 decimal128 in the binary integer decimal (BID) encoding BSON uses, kept as its raw
/// 16 bytes (so every value round-trips), with exact conversion to and from <see cref="decimal"/>.
/// </summary>
public readonly record struct Decimal128(ulong Low, ulong High)
{
    const int ExponentBias = 6176;
    static readonly UInt128 MaxDecimalCoefficient = (UInt128.One << 96) - 1;
    static readonly UInt128 MaxCoefficient = UInt128.Parse("9999999999999999999999999999999999");

    public bool IsNegative => (High >> 63) != 0;
    public bool IsNaN => ((High >> 58) & 0x1F) == 0x1F;
    public bool IsInfinity => ((High >> 58) & 0x1F) == 0x1E;

    public static Decimal128 FromBytes(ReadOnlySpan<byte> bytes) =>
        new(BitConverter.ToUInt64(bytes), BitConverter.ToUInt64(bytes[8..]));

    public void WriteTo(Span<byte> bytes)
    {
        BitConverter.TryWriteBytes(bytes, Low);
        BitConverter.TryWriteBytes(bytes[8..], High);
    }

    /// <summary>Exact: a System.Decimal is coefficient (96 bits) × 10^-scale, which decimal128 always holds; the scale is kept (12.50 stays 1250E-2).</summary>
    public static Decimal128 FromDecimal(decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        var coefficient = ((UInt128)(uint)bits[2] << 64) | ((UInt128)(uint)bits[1] << 32) | (uint)bits[0];
        var scale = (bits[3] >> 16) & 0xFF;
        var sign = bits[3] < 0 ? 1UL << 63 : 0;
        var biased = (ulong)(ExponentBias - scale);
        return new((ulong)coefficient, sign | (biased << 49) | (ulong)(coefficient >> 64));
    }

    public static explicit operator decimal(Decimal128 value) => value.ToDecimal();
    public static implicit operator Decimal128(decimal value) => FromDecimal(value);

    /// <summary>Converts when the value is representable exactly; otherwise throws <see cref="OverflowException"/>.</summary>
    public decimal ToDecimal()
    {
        if (IsNaN || IsInfinity) throw new OverflowException($"decimal128 {this} is not a finite number");
        var (coefficient, exponent) = Decompose();
        // Trailing zeros carry no value: shed them while the exponent is below System.Decimal's smallest scale or the coefficient is too wide.
        while ((exponent < -28 || coefficient > MaxDecimalCoefficient) && exponent < 0 && coefficient % 10 == 0)
        {
            coefficient /= 10;
            exponent++;
        }
        if (coefficient == 0 && exponent < -28) exponent = -28;
        if (exponent < -28) throw new OverflowException($"decimal128 {this} needs more than 28 decimal places");
        while (exponent > 0)
        {
            coefficient *= 10;
            exponent--;
            if (coefficient > MaxDecimalCoefficient) break;
        }
        if (coefficient > MaxDecimalCoefficient) throw new OverflowException($"decimal128 {this} is outside System.Decimal's range");
        return new decimal((int)(uint)coefficient, (int)(uint)(coefficient >> 32), (int)(uint)(coefficient >> 64), IsNegative, (byte)-exponent);
    }

    (UInt128 Coefficient, int Exponent) Decompose()
    {
        UInt128 coefficient;
        int biased;
        if (((High >> 61) & 3) == 3)
        {
            // The "11" combination field form: any coefficient it encodes is above 10^34 - 1, so the value is zero (IEEE 754-2008 3.5.2).
            biased = (int)((High >> 47) & 0x3FFF);
            coefficient = 0;
        }
        else
        {
            biased = (int)((High >> 49) & 0x3FFF);
            coefficient = ((UInt128)(High & 0x1FFFFFFFFFFFF) << 64) | Low;
            if (coefficient > MaxCoefficient) coefficient = 0;
        }
        return (coefficient, biased - ExponentBias);
    }

    public override string ToString()
    {
        if (IsNaN) return "NaN";
        if (IsInfinity) return IsNegative ? "-Infinity" : "Infinity";
        var (coefficient, exponent) = Decompose();
        return $"{(IsNegative ? "-" : "")}{coefficient}E{exponent}";
    }
}
