//! Walking a stack that `probe/stack.rs` captured, on the watchdog thread: from the interrupted registers
//! and the copy of the stack's top to the return addresses, which `frame.rs` symbolizes (on
//! `symbolizer.rs`'s thread).
//!
//! The walk is the `framehop` crate's (what the samply profiler uses), reading the DWARF call-frame
//! information of each loaded object (`.eh_frame`, found through `.eh_frame_hdr`, which every
//! linker writes for Linux) straight from memory: `dl_iterate_phdr` lists the objects loaded (the
//! program, its shared libraries, the vDSO) with their program headers, and `PT_GNU_EH_FRAME`
//! locates each one's index. Code with no unwind information is walked by its frame pointers.
//! Nothing is read from files, so a stripped binary walks as well as one with debug information.
//! Running outside the handler, all of this may take locks and allocate.
//!
//! The objects are listed anew for each walk (a few microseconds), so one loaded since the last is
//! known. The walk reads their unwind tables where the loader mapped them: an object unloaded with
//! `dlclose` between the listing and the walk would be read after its unmapping, as with any
//! in-process unwinder that runs outside the loader's lock (libgcc's does too). Rust programs
//! rarely unload libraries, and never one whose code a worker is blocked in.

use crate::probe::stack::Captured;
use framehop::{CacheNative, FrameAddress, MayAllocateDuringUnwind, Module, Unwinder, UnwinderNative};
use std::ffi::CStr;

/// Frames a walk gives at most.
const MAX_FRAMES: usize = 96;

type Loaded = UnwinderNative<&'static [u8], MayAllocateDuringUnwind>;

/// The address of the interrupted frame, one byte on (symbolizing looks up the byte before an
/// address, as return addresses need; this one is where the thread stood, perhaps a function's first
/// byte), then the return addresses, innermost first.
pub(crate) fn addresses(captured: &Captured) -> Vec<usize> {
    let loaded = loaded_objects();
    let mut cache = CacheNative::<MayAllocateDuringUnwind>::new();
    let regs = &captured.regs;
    #[cfg(target_arch = "x86_64")]
    let start = framehop::x86_64::UnwindRegsX86_64::new(regs.pc as u64, regs.sp as u64, regs.fp as u64);
    #[cfg(target_arch = "aarch64")]
    let start = framehop::aarch64::UnwindRegsAarch64::new_with_ptr_auth_mask(
        // Return addresses signed with pointer authentication keep the signature in the bits above
        // the highest code address.
        framehop::aarch64::PtrAuthMask::from_max_known_address(loaded.max_known_code_address()),
        regs.lr as u64,
        regs.sp as u64,
        regs.fp as u64,
    );
    let mut read_stack = |addr: u64| captured.word_at(addr).ok_or(());
    let mut frames = loaded.iter_frames(regs.pc as u64, start, &mut cache, &mut read_stack);
    let mut addresses = Vec::new();
    // A frame the walk cannot read past (the copy ends there, or the stack does) ends it.
    while let (true, Ok(Some(frame))) = (addresses.len() < MAX_FRAMES, frames.next()) {
        addresses.push(match frame {
            FrameAddress::InstructionPointer(pc) => pc as usize + 1,
            FrameAddress::ReturnAddress(address) => address.get() as usize,
        });
    }
    addresses
}

/// Every object loaded now, with its unwind tables.
fn loaded_objects() -> Loaded {
    unsafe extern "C" fn visit(
        info: *mut libc::dl_phdr_info,
        _size: libc::size_t,
        data: *mut libc::c_void,
    ) -> libc::c_int {
        // SAFETY: `dl_iterate_phdr` passes a valid `info` for the call, and `data` is the unwinder
        // below, borrowed for the whole iteration.
        let (info, loaded) = unsafe { (&*info, &mut *data.cast::<Loaded>()) };
        // SAFETY: `info` describes an object loaded now.
        if let Some(module) = unsafe { module(info) } {
            loaded.add_module(module);
        }
        0
    }
    let mut loaded = Loaded::new();
    // SAFETY: `visit` reads what it is given and adds to `loaded`, which outlives the call.
    unsafe { libc::dl_iterate_phdr(Some(visit), (&raw mut loaded).cast()) };
    loaded
}

/// One loaded object, for framehop: where it is mapped, and its `.eh_frame` and `.eh_frame_hdr`;
/// `None` if it has no `.eh_frame_hdr` (its code is then walked by frame pointers).
///
/// Addresses in the object's headers are the object's own (what framehop calls SVMAs); the loader
/// mapped them at `dlpi_addr` plus that.
///
/// # Safety
/// `info` describes an object loaded now, as `dl_iterate_phdr` gives it.
unsafe fn module(info: &libc::dl_phdr_info) -> Option<Module<&'static [u8]>> {
    let bias = info.dlpi_addr;
    // SAFETY: `dlpi_phdr` points at `dlpi_phnum` program headers.
    let headers = unsafe { std::slice::from_raw_parts(info.dlpi_phdr, info.dlpi_phnum as usize) };
    let loads = || headers.iter().filter(|h| h.p_type == libc::PT_LOAD);
    let start = loads().map(|h| h.p_vaddr).min()?;
    let end = loads().map(|h| h.p_vaddr + h.p_memsz).max()?;
    let hdr = headers.iter().find(|h| h.p_type == libc::PT_GNU_EH_FRAME)?;
    // A mapped segment of the object, as bytes: `[from, end of the segment)` where it is loaded
    // and readable.
    let mapped = |from: u64, len: Option<u64>| -> Option<&'static [u8]> {
        let segment = loads()
            .find(|h| h.p_flags & libc::PF_R != 0 && h.p_vaddr <= from && from < h.p_vaddr + h.p_filesz)?;
        let len = len.unwrap_or(segment.p_vaddr + segment.p_filesz - from);
        if from + len > segment.p_vaddr + segment.p_filesz {
            return None;
        }
        // SAFETY: inside a readable segment the loader mapped from the file (`p_filesz`), at the
        // object's bias; it stays mapped while the object is loaded (see the module doc).
        Some(unsafe { std::slice::from_raw_parts((bias + from) as *const u8, len as usize) })
    };
    let eh_frame_hdr = mapped(hdr.p_vaddr, Some(hdr.p_memsz))?;
    let eh_frame_start = eh_frame_address(eh_frame_hdr, hdr.p_vaddr)?;
    // Its length is recorded nowhere in memory: up to the end of its segment, which holds it (the
    // walk reads only the records the index points at).
    let eh_frame = mapped(eh_frame_start, None)?;
    let name = if info.dlpi_name.is_null() {
        String::new()
    } else {
        // SAFETY: `dlpi_name` is a NUL-terminated string (empty for the program).
        unsafe { CStr::from_ptr(info.dlpi_name) }.to_string_lossy().into_owned()
    };
    Some(Module::new(
        name,
        bias + start..bias + end,
        bias,
        framehop::ExplicitModuleSectionInfo {
            base_svma: 0,
            eh_frame_svma: Some(eh_frame_start..eh_frame_start + eh_frame.len() as u64),
            eh_frame: Some(eh_frame),
            eh_frame_hdr_svma: Some(hdr.p_vaddr..hdr.p_vaddr + hdr.p_memsz),
            eh_frame_hdr: Some(eh_frame_hdr),
            ..Default::default()
        },
    ))
}

/// Where `.eh_frame` starts, from the header of `.eh_frame_hdr` (at `hdr_address`): its version
/// (1), the encoding of the pointer, and the pointer, relative to its own address (`DW_EH_PE_pcrel`,
/// what every linker writes; others are not read).
fn eh_frame_address(hdr: &[u8], hdr_address: u64) -> Option<u64> {
    const PCREL: u8 = 0x10;
    let (version, encoding) = (*hdr.first()?, *hdr.get(1)?);
    if version != 1 || encoding & 0xf0 != PCREL {
        return None;
    }
    let field = hdr.get(4..)?;
    let offset = match encoding & 0x0f {
        // udata4, sdata4
        0x03 => u32::from_ne_bytes(field.get(..4)?.try_into().ok()?) as i64,
        0x0b => i32::from_ne_bytes(field.get(..4)?.try_into().ok()?) as i64,
        // udata8, sdata8
        0x04 | 0x0c => i64::from_ne_bytes(field.get(..8)?.try_into().ok()?),
        _ => return None,
    };
    Some((hdr_address + 4).wrapping_add_signed(offset))
}
