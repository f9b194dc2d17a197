/// One bit per open container (object or array) above the innermost one: all the state the
/// iterative validator needs to know what a `,` or closing bracket must mean after it returns
/// from a nested value.
///
/// The first 128 levels (the default depth limit) live inline, so validating a typical document
/// allocates nothing; deeper levels, possible only with a raised `maxDepth`, spill into an array
/// that grows one word per 64 levels. Iteration with an explicit stack, rather than recursion,
/// is what makes a 100,000-deep `[[[[...` a `depthLimitExceeded` error instead of a crash, and
/// makes a large configured limit cost memory rather than call stack.
struct ContainerStack {
    private var word0: UInt64 = 0
    private var word1: UInt64 = 0
    private var spill: [UInt64] = []
    private(set) var count = 0

    mutating func push(isObject: Bool) {
        let index = count
        count += 1
        let bit: UInt64 = 1 << UInt64(index & 63)
        switch index >> 6 {
        case 0: word0 = isObject ? word0 | bit : word0 & ~bit
        case 1: word1 = isObject ? word1 | bit : word1 & ~bit
        default:
            let w = (index >> 6) - 2
            if w == spill.count { spill.append(0) }
            spill[w] = isObject ? spill[w] | bit : spill[w] & ~bit
        }
    }

    /// Removes the top entry and returns whether it was an object.
    mutating func pop() -> Bool {
        count -= 1
        let index = count
        let bit: UInt64 = 1 << UInt64(index & 63)
        switch index >> 6 {
        case 0: return word0 & bit != 0
        case 1: return word1 & bit != 0
        default: return spill[(index >> 6) - 2] & bit != 0
        }
    }
}
