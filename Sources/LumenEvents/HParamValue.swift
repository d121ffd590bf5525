/// The value of one hyperparameter: a number, a string or a Boolean.
public enum HParamValue: Sendable, Hashable, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, CustomStringConvertible
{
    /// A number (TensorBoard's `DATA_TYPE_FLOAT64`).
    case number(Double)
    /// A string (`DATA_TYPE_STRING`).
    case string(String)
    /// A Boolean (`DATA_TYPE_BOOL`).
    case bool(Bool)

    public init(floatLiteral value: Double) { self = .number(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }

    public var description: String {
        switch self {
        case let .number(value): "\(value)"
        case let .string(value): value
        case let .bool(value): "\(value)"
        }
    }
}
