#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

// Thin, inlinable wrappers so the generic hot paths call libm directly rather than going through
// Foundation.
@inlinable func _log(_ x: Double) -> Double { log(x) }
@inlinable func _exp(_ x: Double) -> Double { exp(x) }
@inlinable func _pow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
@inlinable func _sin(_ x: Double) -> Double { sin(x) }
@inlinable func _cos(_ x: Double) -> Double { cos(x) }
