import CQREncode
import Foundation

/// A QR symbol made by libqrencode: a square of dark/light modules.
public struct QRCode: Sendable, Equatable {
    /// Modules per side (without the quiet zone).
    public let size: Int
    /// Row-major, true = dark.
    public let modules: [Bool]

    public enum EncodeError: Error { case tooLong, failed(Int32) }

    /// Encodes text at error-correction level M (15 % of the symbol may be damaged).
    /// libqrencode picks the densest mode per segment: our Base45 tokens go in alphanumeric mode.
    public init(_ text: String) throws(EncodeError) {
        guard text.utf8.count <= 2000 else { throw .tooLong }
        guard let code = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1) else { throw .failed(errno) }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        size = width
        modules = (0..<(width * width)).map { code.pointee.data[$0] & 1 == 1 }
    }

    public func isDark(x: Int, y: Int) -> Bool { modules[y * size + x] }

    /// SVG with a 4-module quiet zone; scales cleanly to any print size.
    public func svg(moduleSize: Int = 8, title: String? = nil) -> String {
        let quiet = 4
        let side = size + 2 * quiet
        var path = ""
        for y in 0..<size {
            var x = 0
            while x < size {
                guard isDark(x: x, y: y) else { x += 1; continue }
                let start = x
                while x < size && isDark(x: x, y: y) { x += 1 }
                path += "M\(start + quiet) \(y + quiet)h\(x - start)v1h-\(x - start)z"
            }
        }
        let pixels = side * moduleSize
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(side) \(side)\" width=\"\(pixels)\" height=\"\(pixels)\" shape-rendering=\"crispEdges\">"
        if let title { svg += "<title>\(HTMLText.escape(title))</title>" }
        svg += "<rect width=\"\(side)\" height=\"\(side)\" fill=\"#fff\"/><path fill=\"#000\" d=\"\(path)\"/></svg>"
        return svg
    }

    /// A 1-bit greyscale PNG with a 4-module quiet zone, for phones and printers.
    public func png(moduleSize: Int = 8) -> [UInt8] {
        let quiet = 4
        let side = (size + 2 * quiet) * moduleSize
        let rowBytes = (side + 7) / 8
        var raw: [UInt8] = []
        raw.reserveCapacity((rowBytes + 1) * side)
        for py in 0..<side {
            raw.append(0)  // filter: none
            var row = [UInt8](repeating: 0xFF, count: rowBytes)  // 1 = white
            let my = py / moduleSize - quiet
            if my >= 0 && my < size {
                for px in 0..<side {
                    let mx = px / moduleSize - quiet
                    if mx >= 0 && mx < size && isDark(x: mx, y: my) {
                        row[px / 8] &= ~(0x80 >> UInt8(px % 8))
                    }
                }
            }
            raw += row
        }
        return PNGWriter.greyscale1Bit(width: side, height: side, rows: raw)
    }
}

/// Minimal PNG container: IHDR, one IDAT of stored (uncompressed) deflate blocks, IEND.
/// QR bitmaps are small and 1-bit, so compression would save little.
enum PNGWriter {
    static func greyscale1Bit(width: Int, height: Int, rows: [UInt8]) -> [UInt8] {
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header: [UInt8] = []
        header += UInt32(width).bigEndianBytes
        header += UInt32(height).bigEndianBytes
        header += [1, 0, 0, 0, 0]  // bit depth 1, greyscale, deflate, no filter, no interlace
        png += chunk("IHDR", header)
        png += chunk("IDAT", zlibStored(rows))
        png += chunk("IEND", [])
        return png
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        return UInt32(data.count).bigEndianBytes + typeBytes + data + crc32(typeBytes + data).bigEndianBytes
    }

    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let length = min(65_535, data.count - offset)
            let final: UInt8 = offset + length == data.count ? 1 : 0
            out.append(final)
            out += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)]
            out += data[offset..<(offset + length)]
            offset += length
        } while offset < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        return out + (b << 16 | a).bigEndianBytes
    }

    static let crcTable: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}

extension UInt32 {
    var bigEndianBytes: [UInt8] { [UInt8(self >> 24), UInt8((self >> 16) & 0xFF), UInt8((self >> 8) & 0xFF), UInt8(self & 0xFF)] }
}

/// Escaping for text placed in HTML or XML.
public enum HTMLText {
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
