import Foundation
import Testing
@testable import Imaging

struct JPEGTests {
    static func gradient(width: Int, height: Int) -> YCbCrImage {
        let luma = Plane(width: width, height: height, pixels: (0..<(width * height)).map { UInt8(($0 % width) * 255 / max(1, width - 1)) })
        let cw = (width + 1) / 2, ch = (height + 1) / 2
        return YCbCrImage(luma: luma, cb: Plane(width: cw, height: ch, filledWith: 90), cr: Plane(width: cw, height: ch, filledWith: 200))
    }

    @Test func encodeThenDecodeKeepsSizeAndPixelsClose() throws {
        let image = Self.gradient(width: 321, height: 241)
        let jpeg = try JPEGEncoder(quality: 90).encode(image)
        #expect(jpeg.starts(with: [0xFF, 0xD8]))
        let back = try JPEGDecoder().decode(jpeg)
        #expect(back.width == 321 && back.height == 241)
        #expect(back.cb.width == 161 && back.cb.height == 121)
        let error = zip(image.luma.pixels, back.luma.pixels).map { abs(Int($0) - Int($1)) }.reduce(0, +) / image.luma.pixels.count
        #expect(error <= 2)
        #expect(abs(Int(back.cr[80, 60]) - 200) <= 3)
    }

    @Test func greyJPEGDecodesWithNeutralChroma() throws {
        let grey = YCbCrImage(grey: Plane(width: 64, height: 48, filledWith: 77))
        let back = try JPEGDecoder().decode(try JPEGEncoder().encode(grey))
        #expect(abs(Int(back.luma[10, 10]) - 77) <= 2)
        #expect(abs(Int(back.cb[5, 5]) - 128) <= 2)
    }

    /// An infrared camera's frame has no colour, even with its chroma noise and through a JPEG encoder; a patch of
    /// colour makes a frame coloured.
    @Test func aFrameWithoutColourIsGrey() throws {
        let grey = YCbCrImage(grey: Plane(width: 64, height: 48, filledWith: 77))
        #expect(grey.isGrey)
        #expect(try JPEGDecoder().decode(try JPEGEncoder().encode(grey)).isGrey)
        // Chroma noise of up to ±20, as a camera's in the dark (a fixed pseudo-random sequence).
        var state: UInt32 = 12345
        let noise = (0..<(32 * 24)).map { _ -> UInt8 in
            state = state &* 1_103_515_245 &+ 12345
            return UInt8(108 + Int(state >> 16) % 41)
        }
        let noisy = YCbCrImage(luma: grey.luma, cb: Plane(width: 32, height: 24, pixels: noise), cr: Plane(width: 32, height: 24, pixels: noise))
        #expect(noisy.isGrey)
        #expect(!Self.gradient(width: 64, height: 48).isGrey)
        let patch = (0..<(32 * 24)).map { i -> UInt8 in (8..<24).contains(i % 32) && (4..<20).contains(i / 32) ? 170 : 128 }
        let coloured = YCbCrImage(luma: grey.luma, cb: Plane(width: 32, height: 24, pixels: patch), cr: Plane(width: 32, height: 24, filledWith: 128))
        #expect(!coloured.isGrey)
    }

    @Test func truncatedOrGarbageDataIsAnErrorNotACrash() throws {
        let jpeg = try JPEGEncoder().encode(Self.gradient(width: 64, height: 64))
        #expect(throws: JPEGError.self) { try JPEGDecoder().decode(jpeg.prefix(100)) }
        #expect(throws: JPEGError.self) { try JPEGDecoder().decode([UInt8](repeating: 0x42, count: 5000)) }
        #expect(throws: JPEGError.self) { try JPEGDecoder().decode([]) }
    }

    @Test func strayBytesBeforeTheEndMarkerAreSkippedButACutScanIsStillRefused() throws {
        let image = Self.gradient(width: 64, height: 48)
        let jpeg = try JPEGEncoder().encode(image)
        #expect(jpeg.suffix(2) == [0xFF, 0xD9])
        // Four bytes of padding after the last scan, before the end marker, as some cameras write them.
        let padded = Array(jpeg.dropLast(2)) + [0x00, 0x11, 0x22, 0x33, 0xFF, 0xD9]
        let back = try JPEGDecoder().decode(padded)
        #expect(back.luma.pixels == (try JPEGDecoder().decode(jpeg)).luma.pixels)
        // Half the scan gone (the rest would be grey) is still an error, end marker or not.
        #expect(throws: JPEGError.self) { try JPEGDecoder().decode(Array(jpeg.prefix(jpeg.count / 2)) + [0xFF, 0xD9]) }
        #expect(JPEGDecoder.isPaddingBeforeEnd("Corrupt JPEG data: 4 extraneous bytes before marker 0xd9"))
        #expect(!JPEGDecoder.isPaddingBeforeEnd("Corrupt JPEG data: 4 extraneous bytes before marker 0xd3"))
        #expect(!JPEGDecoder.isPaddingBeforeEnd("Premature end of JPEG file"))
    }

    @Test func hugeDeclaredSizeIsRefused() throws {
        let jpeg = try JPEGEncoder().encode(Self.gradient(width: 64, height: 64))
        #expect(throws: JPEGError.self) { try JPEGDecoder(maxPixels: 1000).decode(jpeg) }
    }

    @Test func fourFourFourChromaIsAveragedDownToFourTwoZero() {
        let cb = Plane(width: 4, height: 2, pixels: [10, 20, 30, 40, 50, 60, 70, 80])
        let half = cb.halved(horizontally: true, vertically: true)
        #expect(half.width == 2 && half.height == 1)
        #expect(half.pixels == [35, 55])
        let rows = Plane(width: 2, height: 3, pixels: [0, 0, 100, 100, 7, 7]).halved(horizontally: false, vertically: true)
        #expect(rows.pixels == [50, 50, 7, 7])
    }
}
