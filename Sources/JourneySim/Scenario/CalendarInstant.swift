/// Strict reading of the dates and instants scenario files give (`start`, a campaign's `start`
/// and `end`): `YYYY-MM-DD` (midnight UTC) or `YYYY-MM-DDTHH:MM[:SS[.fff]]` followed by `Z` or
/// an offset `±HH:MM`.
///
/// Every field is checked against the calendar before anything is computed: February 30th,
/// April 31st, February 29th of a common year, hour 24 or minute 60 are errors, never rolled
/// over into the next day or month the way lenient date formatters do.
enum CalendarInstant {
    /// Why a text is not a calendar instant, phrased to follow "'<text>' is not a date: ".
    enum Problem: Error, Equatable, CustomStringConvertible {
        case shape
        case month(Int)
        case day(Int, month: Int, year: Int)
        case time(String)
        case offset
        case zone

        var description: String {
            switch self {
            case .shape: return "write YYYY-MM-DD (e.g. 2026-03-02) or an ISO 8601 instant (e.g. 2026-03-02T08:00:00Z)"
            case let .month(month): return "month \(month) does not exist (give 01 to 12)"
            case let .day(day, month, year):
                return
                    "\(CalendarInstant.monthNames[month - 1]) \(year) has \(CalendarInstant.daysIn(month: month, year: year)) days, not \(day)"
            case let .time(what): return "\(what) is out of range (hours 00-23, minutes and seconds 00-59)"
            case .zone: return "an instant needs its time zone: end it with Z (UTC) or an offset such as +01:00"
            case .offset: return "the time zone offset must be Z or ±HH:MM with hours 00-18 and minutes 00-59"
            }
        }
    }

    static let monthNames = [
        "January", "February", "March", "April", "May", "June", "July", "August",
        "September", "October", "November", "December",
    ]

    static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Milliseconds since 1970-01-01T00:00:00Z, or the problem with the text.
    static func parse(_ text: String) -> Result<Int64, Problem> {
        let bytes = Array(text.utf8)
        var position = 0
        func digits(_ count: Int) -> Int? {
            guard position + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[position..<(position + count)] {
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            position += count
            return value
        }
        func take(_ character: UInt8) -> Bool {
            guard position < bytes.count, bytes[position] == character else { return false }
            position += 1
            return true
        }
        guard let year = digits(4), take(UInt8(ascii: "-")), let month = digits(2), take(UInt8(ascii: "-")),
            let day = digits(2)
        else { return .failure(.shape) }
        guard (1...12).contains(month) else { return .failure(.month(month)) }
        guard day >= 1, day <= daysIn(month: month, year: year) else {
            return .failure(.day(day, month: month, year: year))
        }
        var milliseconds = SimTime.days(fromCivil: (Int64(year), Int64(month), Int64(day))) * 86_400_000
        if position == bytes.count { return .success(milliseconds) }

        guard take(UInt8(ascii: "T")) || take(UInt8(ascii: "t")), let hour = digits(2), take(UInt8(ascii: ":")),
            let minute = digits(2)
        else { return .failure(.shape) }
        var second = 0
        var fraction: Int64 = 0
        if take(UInt8(ascii: ":")) {
            guard let value = digits(2) else { return .failure(.shape) }
            second = value
            if take(UInt8(ascii: ".")) {
                let first = position
                var scale: Int64 = 100
                while position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x39 {
                    fraction += Int64(bytes[position] - 0x30) * scale
                    scale /= 10
                    position += 1
                }
                guard position > first, position - first <= 9 else { return .failure(.shape) }
            }
        }
        guard hour <= 23 else { return .failure(.time("hour \(hour)")) }
        guard minute <= 59 else { return .failure(.time("minute \(minute)")) }
        guard second <= 59 else { return .failure(.time("second \(second)")) }
        milliseconds += Int64(hour * 3_600_000 + minute * 60_000 + second * 1000) + fraction

        if position == bytes.count { return .failure(.zone) }
        if take(UInt8(ascii: "Z")) || take(UInt8(ascii: "z")) {
            return position == bytes.count ? .success(milliseconds) : .failure(.shape)
        }
        let sign: Int64
        if take(UInt8(ascii: "+")) {
            sign = 1
        } else if take(UInt8(ascii: "-")) {
            sign = -1
        } else {
            return .failure(.shape)
        }
        guard let offsetHours = digits(2), take(UInt8(ascii: ":")), let offsetMinutes = digits(2),
            position == bytes.count
        else { return .failure(.offset) }
        guard offsetHours <= 18, offsetMinutes <= 59 else { return .failure(.offset) }
        return .success(milliseconds - sign * Int64(offsetHours * 3_600_000 + offsetMinutes * 60_000))
    }
}
