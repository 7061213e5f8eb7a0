import CPlateKernels
import Testing

/// The vectorised forward pass of the decoder's Viterbi against the scalar one: the same score, end state and back
/// pointers, bit for bit, on lattices where many scores tie (log-probabilities from a handful of values), positions
/// whose state counts are and are not multiples of the vector width, neighbouring positions sharing classes (the
/// "a different class" moves), weights on some states, and too few columns to spell the format.
struct ViterbiKernelTests {
    @Test(arguments: [(columns: 32, positions: [36, 36, 10, 10, 10, 10, 10], seed: 1),
                      (columns: 32, positions: [31, 24, 34, 34, 34, 34, 34, 34], seed: 2),
                      (columns: 9, positions: [1, 7, 8, 9, 16, 17], seed: 3),
                      (columns: 4, positions: [3, 3, 3, 3, 3], seed: 4),
                      (columns: 20, positions: [5], seed: 5)])
    func theVectorPassMatchesTheScalarOne(columns: Int, positions: [Int], seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        let classes = 40
        // Few distinct values: ties everywhere. -27.6 is log(1e-12), the decoder's floor.
        let levels: [Float] = [-0.05, -0.7, -2.3, -2.3, -5, -27.6]
        let logs = (0..<(columns * classes)).map { _ in levels.randomElement(using: &generator)! }
        var offset: [Int32] = [0], stateClass: [Int32] = [], stateWeight: [Float] = []
        for (i, count) in positions.enumerated() {
            // Classes 1...classes-1, a window that overlaps the next position's.
            let start = 1 + (i * 3) % (classes - count)
            for c in start..<(start + count) {
                stateClass.append(Int32(c))
                stateWeight.append(i == 0 && c % 3 == 0 ? 0.75 : 0)
            }
            offset.append(Int32(stateClass.count))
        }
        let length = positions.count, states = stateClass.count
        func run(_ pass: (UnsafePointer<Float>, Int32, Int32, UnsafePointer<Int32>, Int32, UnsafePointer<Int32>,
                          UnsafePointer<Float>, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Int32>,
                          UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int32>) -> Double)
            -> (Double, Int32, [Int32], [Int32]) {
            var scores = [Double](repeating: 0, count: 2 * (length + 1 + states))
            var tops = [Int32](repeating: 0, count: 2 * length)
            var blankBack = [Int32](repeating: 7, count: columns * (length + 1))
            var characterBack = [Int32](repeating: 7, count: columns * states)
            var end: Int32 = 99
            let total = pass(logs, Int32(columns), Int32(classes), offset, Int32(length), stateClass, stateWeight, &scores,
                             &tops, &blankBack, &characterBack, &end)
            return (total, end, blankBack, characterBack)
        }
        let vector = run(cpd_ctc_viterbi), scalar = run(cpd_ctc_viterbi_portable)
        #expect(vector.0.bitPattern == scalar.0.bitPattern, "score \(vector.0) against \(scalar.0)")
        #expect(vector.1 == scalar.1)
        #expect(vector.2.indices.first { vector.2[$0] != scalar.2[$0] } == nil, "first blank back pointer that differs")
        #expect(vector.3.indices.first { vector.3[$0] != scalar.3[$0] } == nil, "first character back pointer that differs")
        #expect(columns >= length || scalar.0 == -.infinity, "too few columns spell nothing")
    }
}
