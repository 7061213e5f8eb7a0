/// RFC 9285 Base45: bytes as text in the QR alphanumeric alphabet, so a token
/// fills a QR code in its dense alphanumeric mode (5.5 bits a character).
public enum Base45 {
    static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".utf8)
    static let values: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = Int8(index) }
        return table
    }()

    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        let input = Array(bytes)
        var out: [UInt8] = []
        out.reserveCapacity(input.count / 2 * 3 + 2)
        var index = 0
        while index + 1 < input.count {
            var value = Int(input[index]) * 256 + Int(input[index + 1])
            for _ in 0..<3 {
                out.append(alphabet[value % 45])
                value /= 45
            }
            index += 2
        }
        if index < input.count {
            let value = Int(input[index])
            out.append(alphabet[value % 45])
            out.append(alphabet[value / 45])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes Base45 text; nil if a character is outside the alphabet or a group overflows.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let input = Array(text.utf8)
        guard input.count % 3 != 1 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(input.count / 3 * 2 + 1)
        var index = 0
        while index < input.count {
            let count = min(3, input.count - index)
            var value = 0
            var multiplier = 1
            for offset in 0..<count {
                let digit = values[Int(input[index + offset])]
                guard digit >= 0 else { return nil }
                value += Int(digit) * multiplier
                multiplier *= 45
            }
            if count == 3 {
                guard value <= 0xFFFF else { return nil }
                out.append(UInt8(value >> 8))
                out.append(UInt8(value & 0xFF))
            } else {
                guard value <= 0xFF else { return nil }
                out.append(UInt8(value))
            }
            index += count
        }
        return out
    }
}
