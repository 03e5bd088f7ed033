//! A binary search over system call numbers in front of the seccomp filter's linear chain.
//!
//! seccompiler compiles its rules into one chain that compares the call number with each ruled
//! call in turn (two instructions per call), so a call that no rule names walks the whole chain
//! before it reaches "allow". The kernel pays that walk at install time for every call number
//! of every architecture (it evaluates the filter once per number to build its allow-cache, with
//! interrupts off), and again at run time for each call the cache cannot answer. The search
//! below answers "allow" for every number outside the ruled set in a handful of comparisons and
//! sends the ruled numbers on to the unchanged chain, so the filter's verdicts stay exactly the
//! same (`tests::the_dispatch_changes_no_verdict`).

use seccompiler::sock_filter;

// Classic BPF opcodes (linux/bpf_common.h).
const BPF_JMP_JGE_K: u16 = 0x05 | 0x30;
const BPF_JMP_JA: u16 = 0x05;
const BPF_RET_K: u16 = 0x06;

/// A jump target that is patched once the whole search is laid out.
enum Insn {
    Ready(sock_filter),
    /// `ja` to the instruction right after the search (the chain).
    ToChain,
}

/// Instructions that, with the call number already in the accumulator, return `allow` for every
/// number not in `ruled` and fall through (to whatever follows them) for every number in it.
///
/// # Errors
/// A search whose conditional jumps would not fit in classic BPF's 8-bit offsets (a ruled set of
/// several hundred scattered calls; the sandbox's has about sixty).
pub(crate) fn dispatch(ruled: &[u32], allow: u32) -> Result<Vec<sock_filter>, String> {
    let mut ruled = ruled.to_vec();
    ruled.sort_unstable();
    ruled.dedup();
    // Intervals [start, next start) of call numbers, each wholly ruled or wholly not.
    let mut intervals: Vec<(u32, bool)> = vec![(0, false)];
    for &nr in &ruled {
        match intervals.last_mut() {
            Some(last) if last.0 == nr => last.1 = true,
            _ => intervals.push((nr, true)),
        }
        if let Some(after) = nr.checked_add(1) {
            intervals.push((after, false));
        }
    }
    // Neighbours of the same kind are one interval (the earlier start stays).
    intervals.dedup_by(|later, earlier| later.1 == earlier.1);
    let mut out = Vec::new();
    lay_out(&intervals, allow, &mut out)?;
    let len = out.len();
    out.into_iter()
        .enumerate()
        .map(|(pc, i)| match i {
            Insn::Ready(i) => Ok(i),
            Insn::ToChain => {
                let k = u32::try_from(len - pc - 1).map_err(|e| e.to_string())?;
                Ok(insn(BPF_JMP_JA, 0, 0, k))
            }
        })
        .collect()
}

/// Lays out the search over `intervals` (sorted, non-empty): a comparison with the middle
/// interval's start, the lower half right after it (jump false, offset 0), the upper half after
/// that (jump true, over the lower half).
fn lay_out(intervals: &[(u32, bool)], allow: u32, out: &mut Vec<Insn>) -> Result<(), String> {
    match intervals {
        [] => Err("empty interval list".into()),
        [(_, true)] => {
            out.push(Insn::ToChain);
            Ok(())
        }
        [(_, false)] => {
            out.push(Insn::Ready(insn(BPF_RET_K, 0, 0, allow)));
            Ok(())
        }
        _ => {
            let mid = intervals.len() / 2;
            let (lower, upper) = intervals.split_at(mid);
            let at = out.len();
            out.push(Insn::Ready(insn(BPF_JMP_JGE_K, 0, 0, upper[0].0)));
            lay_out(lower, allow, out)?;
            let skip = u8::try_from(out.len() - at - 1).map_err(|_| {
                "the seccomp dispatch is too large for classic BPF jump offsets".to_string()
            })?;
            out[at] = Insn::Ready(insn(BPF_JMP_JGE_K, skip, 0, upper[0].0));
            lay_out(upper, allow, out)
        }
    }
}

fn insn(code: u16, jt: u8, jf: u8, k: u32) -> sock_filter {
    sock_filter { code, jt, jf, k }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A classic BPF interpreter for seccomp programs: what the kernel computes for one call.
    /// `data` is `struct seccomp_data` (nr, arch, instruction pointer, six arguments) as words.
    pub(crate) fn run(prog: &[sock_filter], data: &[u32; 16]) -> u32 {
        execute(prog, data).0
    }

    /// How many instructions `prog` executes on `data`.
    pub(crate) fn steps(prog: &[sock_filter], data: &[u32; 16]) -> usize {
        execute(prog, data).1
    }

    fn execute(prog: &[sock_filter], data: &[u32; 16]) -> (u32, usize) {
        let mut a: u32 = 0;
        let mut pc = 0usize;
        let mut steps = 0;
        loop {
            let i = &prog[pc];
            pc += 1;
            steps += 1;
            match i.code {
                0x20 => a = data[(i.k / 4) as usize], // ld w abs
                0x54 => a &= i.k,                     // alu and k
                0x05 => pc += i.k as usize,           // ja
                0x06 => return (i.k, steps),          // ret k
                0x15 | 0x25 | 0x35 | 0x45 => {
                    let taken = match i.code {
                        0x15 => a == i.k,  // jeq
                        0x25 => a > i.k,   // jgt
                        0x35 => a >= i.k,  // jge
                        _ => a & i.k != 0, // jset
                    };
                    pc += usize::from(if taken { i.jt } else { i.jf });
                }
                other => panic!("unhandled BPF opcode {other:#x} at {}", pc - 1),
            }
        }
    }

    fn with_dispatch(ruled: &[u32]) -> Vec<sock_filter> {
        // ld nr; <dispatch>; ret 1 (reached only by ruled numbers).
        let mut p = vec![insn(0x20, 0, 0, 0)];
        p.extend(dispatch(ruled, 0).unwrap());
        p.push(insn(BPF_RET_K, 0, 0, 1));
        p
    }

    #[test]
    fn ruled_numbers_fall_through_and_the_rest_is_allowed() {
        for ruled in [
            vec![],
            vec![0],
            vec![5],
            vec![0, 1, 2, 9],
            vec![3, 4, 5, 100, 101, 435, 439, 447, 999],
            (0..300).step_by(3).collect(),
        ] {
            let p = with_dispatch(&ruled);
            for nr in 0..1200u32 {
                let mut data = [0u32; 16];
                data[0] = nr;
                let expected = u32::from(ruled.contains(&nr));
                assert_eq!(run(&p, &data), expected, "nr {nr} with {ruled:?}");
            }
            let mut data = [0u32; 16];
            data[0] = u32::MAX;
            assert_eq!(run(&p, &data), 0);
        }
    }

    #[test]
    fn the_search_is_logarithmic() {
        let ruled: Vec<u32> = (0..200).step_by(3).collect();
        let p = with_dispatch(&ruled);
        // 67 ruled numbers, 134 intervals: 133 comparisons and 134 leaves, 8 levels deep.
        assert_eq!(p.len(), 1 + 267 + 1);
        for nr in 0..1200u32 {
            let mut data = [0u32; 16];
            data[0] = nr;
            assert!(steps(&p, &data) <= 1 + 8 + 1 + 1, "nr {nr}");
        }
    }
}
