/// The value of one op attribute, mirroring TensorFlow's `AttrValue`.
public enum AttributeValue: Sendable, Equatable, CustomStringConvertible {
    case int(Int)
    case float(Double)
    case bool(Bool)
    case string(String)
    case ints([Int])
    case floats([Double])
    case dtype(DType)
    case shape([Int])

    public var description: String {
        switch self {
        case .int(let v): "\(v)"
        case .float(let v): "\(v)"
        case .bool(let v): "\(v)"
        case .string(let v): "\"\(v)\""
        case .ints(let v): "\(v)"
        case .floats(let v): "\(v)"
        case .dtype(let v): "\(v)"
        case .shape(let v): Shape.describe(v)
        }
    }
}

extension AttributeValue: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByStringLiteral
{
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .float(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(stringLiteral value: String) { self = .string(value) }
}

/// The attributes of one op: named ``AttributeValue``s, with typed accessors that throw
/// errors naming the op and the attribute.
public struct Attributes: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    public var values: [String: AttributeValue]

    public init(_ values: [String: AttributeValue] = [:]) { self.values = values }
    public init(dictionaryLiteral elements: (String, AttributeValue)...) {
        values = Dictionary(elements, uniquingKeysWith: { _, last in last })
    }

    public subscript(name: String) -> AttributeValue? {
        get { values[name] }
        set { values[name] = newValue }
    }

    func missing(_ name: String, _ context: OpContext, _ kind: String) -> OpError {
        context.error("attribute '\(name)' must be \(kind)")
    }

    public func int(_ name: String, default value: Int? = nil, _ context: OpContext) throws -> Int {
        switch values[name] {
        case .int(let v): return v
        case .float(let v) where v == v.rounded(): return Int(v)
        case nil: if let value { return value }
        default: break
        }
        throw missing(name, context, "an int")
    }

    public func double(_ name: String, default value: Double? = nil, _ context: OpContext) throws -> Double {
        switch values[name] {
        case .float(let v): return v
        case .int(let v): return Double(v)
        case nil: if let value { return value }
        default: break
        }
        throw missing(name, context, "a number")
    }

    public func bool(_ name: String, default value: Bool? = nil, _ context: OpContext) throws -> Bool {
        switch values[name] {
        case .bool(let v): return v
        case nil: if let value { return value }
        default: break
        }
        throw missing(name, context, "a bool")
    }

    public func string(_ name: String, default value: String? = nil, _ context: OpContext) throws -> String {
        switch values[name] {
        case .string(let v): return v
        case nil: if let value { return value }
        default: break
        }
        throw missing(name, context, "a string")
    }

    public func ints(_ name: String, default value: [Int]? = nil, _ context: OpContext) throws -> [Int] {
        switch values[name] {
        case .ints(let v), .shape(let v): return v
        case .int(let v): return [v]
        case nil: if let value { return value }
        default: break
        }
        throw missing(name, context, "a list of ints")
    }

    public func dtype(_ name: String, default value: DType? = nil, _ context: OpContext) throws -> DType {
        switch values[name] {
        case .dtype(let v): return v
        case .string(let v): if let d = DType(rawValue: v) { return d }
        case nil: if let value { return value }
        default: break
        }
        throw missing(name, context, "a dtype")
    }
}
