//! The seccomp filter installed last, just before `execve`, in every sandboxed command.
//!
//! Compiled on the host (allocation is fine there); the child only hands the finished BPF
//! program to the kernel. seccompiler builds the EPERM part (calls a compiler or a test never
//! needs); a short prologue spliced in after its architecture check answers ENOSYS for
//! `clone3`, whose flags live in memory a filter cannot read (libc then falls back to `clone`,
//! whose flags the EPERM part checks), for `openat2` (its mode, which may not carry set-id
//! bits, lives in memory too; libc never calls it), and for every x32-ABI call (numbers with bit 30 set:
//! the same entry points under other numbers, so they would bypass the list).
//!
//! Installing the filter makes the kernel evaluate it once per system call number (and
//! architecture) to build its allow-cache, so the path an unruled call takes through it is paid
//! about 900 times on every spawn: a binary search (`bpf_dispatch.rs`) in front of
//! seccompiler's linear chain allows those calls in about eight comparisons instead of a walk
//! past all sixty ruled calls (about 0.2 ms less per spawn).

use std::collections::BTreeMap;

use seccompiler::{
    sock_filter, BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition,
    SeccompFilter, SeccompRule, TargetArch,
};

/// The x32 ABI reaches the same kernel entry points with this bit set in the syscall number and
/// the same audit architecture.
const X32_SYSCALL_BIT: u32 = 0x4000_0000;

/// Length of seccompiler's architecture check (load arch, compare, kill).
const ARCH_CHECK_LEN: usize = 3;

// Classic BPF opcodes (linux/bpf_common.h).
const BPF_LD_W_ABS: u16 = 0x20; // BPF_LD | BPF_W | BPF_ABS
const BPF_JMP_JEQ_K: u16 = 0x05 | 0x10;
const BPF_JMP_JGE_K: u16 = 0x05 | 0x30;
const BPF_RET_K: u16 = 0x06;
/// Offset of `nr` in `struct seccomp_data`.
const SECCOMP_DATA_NR: u32 = 0;

/// Namespace-creating `clone` flags (CLONE_NEWTIME shares its bit with the exit signal in
/// `clone`, so it can only be requested through `clone3` and `unshare`, both denied).
const CLONE_NEW_FLAGS: [u64; 7] = [
    libc::CLONE_NEWNS as u64,
    libc::CLONE_NEWCGROUP as u64,
    libc::CLONE_NEWUTS as u64,
    libc::CLONE_NEWIPC as u64,
    libc::CLONE_NEWUSER as u64,
    libc::CLONE_NEWPID as u64,
    libc::CLONE_NEWNET as u64,
];

/// Calls denied outright with EPERM: they change the sandbox itself (mounts, namespaces),
/// inspect or alter other processes, or reach kernel subsystems no toolchain uses.
const DENIED: &[i64] = &[
    libc::SYS_ptrace,
    libc::SYS_mount,
    libc::SYS_umount2,
    libc::SYS_unshare,
    libc::SYS_setns,
    libc::SYS_pivot_root,
    libc::SYS_chroot,
    libc::SYS_mount_setattr,
    libc::SYS_move_mount,
    libc::SYS_open_tree,
    libc::SYS_fsopen,
    libc::SYS_fsmount,
    libc::SYS_fsconfig,
    libc::SYS_fspick,
    libc::SYS_keyctl,
    libc::SYS_add_key,
    libc::SYS_request_key,
    libc::SYS_bpf,
    libc::SYS_perf_event_open,
    libc::SYS_kexec_load,
    libc::SYS_kexec_file_load,
    libc::SYS_init_module,
    libc::SYS_finit_module,
    libc::SYS_delete_module,
    libc::SYS_reboot,
    libc::SYS_swapon,
    libc::SYS_swapoff,
    libc::SYS_syslog,
    libc::SYS_acct,
    libc::SYS_quotactl,
    libc::SYS_settimeofday,
    libc::SYS_clock_settime,
    libc::SYS_clock_adjtime,
    libc::SYS_adjtimex,
    libc::SYS_iopl,
    libc::SYS_ioperm,
    libc::SYS_userfaultfd,
    libc::SYS_open_by_handle_at,
    libc::SYS_name_to_handle_at,
    libc::SYS_process_vm_readv,
    libc::SYS_process_vm_writev,
    libc::SYS_pidfd_getfd,
    libc::SYS_lookup_dcookie,
    libc::SYS_vhangup,
    // io_uring: a second system call interface this filter cannot see into.
    libc::SYS_io_uring_setup,
    libc::SYS_io_uring_enter,
    libc::SYS_io_uring_register,
    libc::SYS_memfd_secret,
];

/// Socket families a sandbox may create: local sockets, IP (confined by the empty network
/// namespace) and netlink (the namespace's own routing tables). Everything else, AF_VSOCK (not
/// confined by a network namespace: a path to the hypervisor) included, is refused.
const SOCKET_FAMILIES: [u64; 4] = [
    libc::AF_UNIX as u64,
    libc::AF_INET as u64,
    libc::AF_INET6 as u64,
    libc::AF_NETLINK as u64,
];

/// Set-user-ID and set-group-ID bits: a file in the work directory must never carry them (the
/// directory is on the host; another local user could run such a file as the sandbox's user).
const SETID_BITS: [u64; 2] = [libc::S_ISUID as u64, libc::S_ISGID as u64];

/// `open` flags with which the mode argument is used.
const CREATE_FLAGS: [u64; 2] = [libc::O_CREAT as u64, 0o2000_0000 /* __O_TMPFILE */];

/// Calls that set a file's mode: (syscall, index of the mode argument, index of the flags
/// argument when the mode only matters with `O_CREAT`/`O_TMPFILE`).
fn mode_setters() -> Vec<(i64, u8, Option<u8>)> {
    let mut v = vec![
        (libc::SYS_openat, 3, Some(2)),
        (libc::SYS_mknodat, 2, None),
        (libc::SYS_fchmod, 1, None),
        (libc::SYS_fchmodat, 2, None),
        (libc::SYS_fchmodat2, 2, None),
    ];
    #[cfg(target_arch = "x86_64")]
    v.extend([
        (libc::SYS_open, 2, Some(1)),
        (libc::SYS_creat, 1, None),
        (libc::SYS_mknod, 1, None),
        (libc::SYS_chmod, 1, None),
    ]);
    v
}

/// The compiled filter.
#[derive(Debug, Clone)]
pub(crate) struct Filters {
    pub program: BpfProgram,
}

fn insn(code: u16, jt: u8, jf: u8, k: u32) -> sock_filter {
    sock_filter { code, jt, jf, k }
}

fn arch() -> Result<TargetArch, String> {
    TargetArch::try_from(std::env::consts::ARCH)
        .map_err(|e| format!("seccomp filters are not available for this architecture: {e}"))
}

fn cond(index: u8, op: SeccompCmpOp, value: u64) -> Result<SeccompCondition, String> {
    SeccompCondition::new(index, SeccompCmpArgLen::Dword, op, value).map_err(|e| e.to_string())
}

fn rule(conditions: Vec<SeccompCondition>) -> Result<SeccompRule, String> {
    SeccompRule::new(conditions).map_err(|e| e.to_string())
}

/// Compiles the filter (pure computation; a few microseconds; once per `Sandbox`).
pub(crate) fn compile() -> Result<Filters, String> {
    let (mut program, ruled) = linear()?;
    // After the prologue, which leaves the call number in the accumulator: calls no rule names
    // are allowed at once instead of at the end of the chain (see `bpf_dispatch`).
    let at = ARCH_CHECK_LEN + PROLOGUE_LEN;
    let search = super::bpf_dispatch::dispatch(&ruled, libc::SECCOMP_RET_ALLOW)?;
    program.splice(at..at, search);
    Ok(Filters { program })
}

/// Instructions of the prologue spliced in after the architecture check.
const PROLOGUE_LEN: usize = 7;

/// The filter as seccompiler lays it out (a linear chain over the ruled calls) with the
/// prologue, and the numbers of the ruled calls.
fn linear() -> Result<(BpfProgram, Vec<u32>), String> {
    let arch = arch()?;
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> = BTreeMap::new();
    for &nr in DENIED {
        rules.insert(nr, Vec::new());
    }
    // clone(flags, ...): any namespace flag in the first argument is refused.
    let mut clone_rules = Vec::new();
    for flag in CLONE_NEW_FLAGS {
        clone_rules.push(rule(vec![cond(0, SeccompCmpOp::MaskedEq(flag), flag)?])?);
    }
    rules.insert(libc::SYS_clone, clone_rules);
    // personality: only the default persona (0) and the query (0xffffffff) are allowed, so a
    // command cannot turn off address-space randomisation or switch execution domains.
    let personality = vec![rule(vec![
        cond(0, SeccompCmpOp::Ne, 0)?,
        cond(0, SeccompCmpOp::Ne, 0xffff_ffff)?,
    ])?];
    rules.insert(libc::SYS_personality, personality);
    for nr in [libc::SYS_socket, libc::SYS_socketpair] {
        let conditions = SOCKET_FAMILIES
            .iter()
            .map(|&f| cond(0, SeccompCmpOp::Ne, f))
            .collect::<Result<Vec<_>, _>>()?;
        rules.insert(nr, vec![rule(conditions)?]);
    }
    // No set-id bits, however the mode is set (openat2, whose mode lives in memory, answers
    // ENOSYS below; libc never needs it).
    for (nr, mode_arg, flags_arg) in mode_setters() {
        let mut nr_rules = Vec::new();
        for bit in SETID_BITS {
            let mode = cond(mode_arg, SeccompCmpOp::MaskedEq(bit), bit)?;
            match flags_arg {
                Some(f) => {
                    for flag in CREATE_FLAGS {
                        nr_rules.push(rule(vec![
                            cond(f, SeccompCmpOp::MaskedEq(flag), flag)?,
                            mode.clone(),
                        ])?);
                    }
                }
                None => nr_rules.push(rule(vec![mode])?),
            }
        }
        rules.insert(nr, nr_rules);
    }

    let ruled = rules
        .keys()
        .map(|&nr| u32::try_from(nr).map_err(|e| e.to_string()))
        .collect::<Result<Vec<u32>, String>>()?;
    let deny = SeccompFilter::new(
        rules,
        SeccompAction::Allow,
        SeccompAction::Errno(libc::EPERM as u32),
        arch,
    )
    .map_err(|e| format!("cannot build the seccomp filter: {e}"))?;
    let mut program = BpfProgram::try_from(deny)
        .map_err(|e| format!("cannot compile the seccomp filter: {e}"))?;
    // seccompiler starts with: load arch; jeq ARCH, skip 1; ret KILL. Its jump lands on the
    // instruction after the check, which is where the prologue goes; every other jump is
    // relative and stays inside the part that moves as a block.
    let arch_check_ok = program.len() > ARCH_CHECK_LEN
        && program.first().map(|i| i.code) == Some(BPF_LD_W_ABS)
        && program.get(1).map(|i| (i.code, i.jt, i.jf)) == Some((BPF_JMP_JEQ_K, 1, 0))
        && program.get(2).map(|i| i.code) == Some(BPF_RET_K);
    if !arch_check_ok {
        return Err("unexpected seccomp program layout from seccompiler".into());
    }
    let enosys = libc::SECCOMP_RET_ERRNO | libc::ENOSYS as u32;
    let prologue: [sock_filter; PROLOGUE_LEN] = [
        insn(BPF_LD_W_ABS, 0, 0, SECCOMP_DATA_NR),
        insn(BPF_JMP_JGE_K, 0, 1, X32_SYSCALL_BIT),
        insn(BPF_RET_K, 0, 0, enosys),
        insn(BPF_JMP_JEQ_K, 0, 1, libc::SYS_clone3 as u32),
        insn(BPF_RET_K, 0, 0, enosys),
        insn(BPF_JMP_JEQ_K, 0, 1, libc::SYS_openat2 as u32),
        insn(BPF_RET_K, 0, 0, enosys),
    ];
    program.splice(ARCH_CHECK_LEN..ARCH_CHECK_LEN, prologue);
    Ok((program, ruled))
}

#[cfg(test)]
mod tests {
    use super::super::bpf_dispatch::tests::run;
    use super::*;

    #[test]
    fn filters_compile() {
        let f = compile().unwrap();
        assert!(
            // The set-id mode checks on nine calls are most of it, the search about 230.
            f.program.len() < 850,
            "filter grew to {} instructions",
            f.program.len()
        );
    }

    /// Argument words the rules look at (flags, modes, families) and some that they do not.
    fn interesting() -> Vec<u32> {
        let mut v = vec![
            0,
            1,
            2,
            3,
            5,
            10,
            16,
            40,
            0o755,
            0o644,
            0xffff_ffff,
            0x8000_0000,
        ];
        v.extend([
            0o100,
            0o2000_0000,
            0o2000_0100,
            0o4755,
            0o2755,
            0o6777,
            0o4000,
            0o2000,
        ]);
        v.extend(CLONE_NEW_FLAGS.iter().map(|&f| f as u32));
        v.push(libc::CLONE_VM as u32 | libc::CLONE_VFORK as u32 | libc::SIGCHLD as u32);
        v.extend(SOCKET_FAMILIES.iter().map(|&f| f as u32));
        v.extend([
            libc::AF_VSOCK as u32,
            libc::AF_PACKET as u32,
            libc::AF_ALG as u32,
        ]);
        v
    }

    #[test]
    fn the_dispatch_changes_no_verdict() {
        // Every call number (native, other architecture, x32), each with arguments from the
        // values the rules test, alone in each position and mixed: the same verdict as the
        // linear filter the search was put in front of.
        let (linear, ruled) = linear().unwrap();
        let fast = compile().unwrap().program;
        assert!(fast.len() > linear.len());
        let native = linear[1].k;
        let values = interesting();
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let mut checked = 0u64;
        let numbers = (0..1100u32)
            .chain((0..600).map(|n| X32_SYSCALL_BIT | n))
            .chain([u32::MAX, 0x7fff_ffff]);
        for nr in numbers {
            for arch in [native, 0x4000_0003, 0] {
                let mut data = [0u32; 16];
                data[0] = nr;
                data[1] = arch;
                let mut cases = vec![data];
                for arg in 0..6 {
                    for &v in &values {
                        let mut d = data;
                        d[4 + 2 * arg] = v;
                        cases.push(d);
                    }
                }
                let mixed = if ruled.contains(&nr) { 400 } else { 8 };
                for _ in 0..mixed {
                    let mut d = data;
                    for arg in 0..6 {
                        d[4 + 2 * arg] = values[next(values.len())];
                        d[5 + 2 * arg] = [0, 0, 1, u32::MAX][next(4)];
                    }
                    cases.push(d);
                }
                for d in cases {
                    assert_eq!(run(&linear, &d), run(&fast, &d), "call {nr} data {d:?}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 500_000, "{checked}");
    }

    #[test]
    fn unruled_calls_take_a_short_path() {
        // What the kernel's allow-cache pays per call number at install time.
        let (linear, ruled) = linear().unwrap();
        let fast = compile().unwrap().program;
        let native = linear[1].k;
        let steps = |p: &[sock_filter], nr: u32| {
            let mut data = [0u32; 16];
            data[0] = nr;
            data[1] = native;
            super::super::bpf_dispatch::tests::steps(p, &data)
        };
        let unruled = (0..460u32).filter(|nr| !ruled.contains(nr));
        let (before, after): (usize, usize) = unruled.fold((0, 0), |(b, a), nr| {
            (b + steps(&linear, nr), a + steps(&fast, nr))
        });
        assert!(after * 5 < before, "{after} instructions vs {before}");
    }
}
