//! The symbol table of the binary the runtime is linked into (ELF `.symtab`, Linux, 64-bit): the
//! qualified name of the function that contains an address.
//!
//! Why: with `debug = "line-tables-only"`, DWARF names a function by the last part of its path only
//! (`{async_fn#0}`, `poll<T>`), and `backtrace::resolve` prefers DWARF's name to the symbol table's
//! whenever DWARF has one. The symbol table, which every build but a stripped one keeps, has the
//! mangled qualified name of each function that was not inlined. Read once, on the first lookup,
//! from the file of the loaded object that holds this code (the program, or a shared library it is
//! in), at the load address `dl_iterate_phdr` gives; only function symbols are kept.

use std::sync::OnceLock;

/// The qualified, demangled name (without its hash) of the function at `addr`, if it is in the
/// object this code is in and that object's symbol table has it.
pub(crate) fn name_at(addr: usize) -> Option<String> {
    static TABLE: OnceLock<Option<Symtab>> = OnceLock::new();
    TABLE.get_or_init(imp::load).as_ref()?.name_at(addr)
}

struct Symtab {
    /// Where the object is loaded: a symbol's address is its value plus this.
    bias: usize,
    /// Function symbols: (start, size, name offset into `strings`), by start.
    symbols: Vec<(u64, u64, u32)>,
    strings: Vec<u8>,
}

impl Symtab {
    fn name_at(&self, addr: usize) -> Option<String> {
        let addr = (addr as u64).wrapping_sub(self.bias as u64);
        let i = self.symbols.partition_point(|&(start, _, _)| start <= addr).checked_sub(1)?;
        let (start, size, name) = self.symbols[i];
        if addr >= start + size.max(1) {
            return None;
        }
        let name = &self.strings[name as usize..];
        let name = &name[..name.iter().position(|&b| b == 0)?];
        Some(format!("{:#}", backtrace::SymbolName::new(name)))
    }
}

#[cfg(all(target_os = "linux", target_pointer_width = "64", not(miri)))]
mod imp {
    use super::Symtab;
    use std::ffi::CStr;
    use std::fs::File;
    use std::os::unix::fs::FileExt;

    const SHT_SYMTAB: u32 = 2;
    const STT_FUNC: u8 = 2;

    /// The object this function is in: its file and load bias.
    fn this_object() -> Option<(String, usize)> {
        struct Search {
            probe: usize,
            found: Option<(String, usize)>,
        }
        unsafe extern "C" fn visit(
            info: *mut libc::dl_phdr_info,
            _size: libc::size_t,
            data: *mut libc::c_void,
        ) -> libc::c_int {
            // SAFETY: `dl_iterate_phdr` passes a valid `info` for the call, and `data` is the
            // `Search` below, borrowed for the whole iteration.
            let (info, search) = unsafe { (&*info, &mut *data.cast::<Search>()) };
            let bias = info.dlpi_addr as usize;
            for i in 0..info.dlpi_phnum as usize {
                // SAFETY: `dlpi_phdr` points at `dlpi_phnum` program headers.
                let phdr = unsafe { &*info.dlpi_phdr.add(i) };
                let start = bias.wrapping_add(phdr.p_vaddr as usize);
                if phdr.p_type == libc::PT_LOAD
                    && (start..start + phdr.p_memsz as usize).contains(&search.probe)
                {
                    // SAFETY: `dlpi_name` is a NUL-terminated string (empty for the program).
                    let name = (!info.dlpi_name.is_null())
                        .then(|| unsafe { CStr::from_ptr(info.dlpi_name) }.to_string_lossy().into_owned())
                        .filter(|n| !n.is_empty())
                        .unwrap_or_else(|| "/proc/self/exe".to_string());
                    search.found = Some((name, bias));
                    return 1;
                }
            }
            0
        }
        let mut search = Search { probe: this_object as *const () as usize, found: None };
        // SAFETY: `visit` only reads what it is given and writes `search`, which outlives the call.
        unsafe { libc::dl_iterate_phdr(Some(visit), (&raw mut search).cast()) };
        search.found
    }

    pub(super) fn load() -> Option<Symtab> {
        let (path, bias) = this_object()?;
        let file = File::open(path).ok()?;
        let read = |offset: u64, len: usize| -> Option<Vec<u8>> {
            let mut buf = vec![0; len];
            file.read_exact_at(&mut buf, offset).ok()?;
            Some(buf)
        };
        let header = read(0, 64)?;
        let little = cfg!(target_endian = "little");
        // A 64-bit ELF file of this machine's byte order.
        if header[..4] != *b"\x7fELF" || header[4] != 2 || header[5] != if little { 1 } else { 2 } {
            return None;
        }
        let shoff = u64_at(&header, 0x28);
        let (shentsize, shnum) = (u16_at(&header, 0x3a) as usize, u16_at(&header, 0x3c) as usize);
        if shentsize < 64 || shnum == 0 {
            return None;
        }
        let sections = read(shoff, shentsize * shnum)?;
        // Bounds-checked: a section index comes from the file.
        let section = |i: usize| sections.get(i * shentsize..(i + 1) * shentsize);
        let symtab = (0..shnum).filter_map(section).find(|s| u32_at(s, 4) == SHT_SYMTAB)?;
        let strtab = section(u32_at(symtab, 40) as usize)?.get(..64)?;
        let (entsize, size) = (u64_at(symtab, 56) as usize, u64_at(symtab, 32) as usize);
        if entsize < 24 {
            return None;
        }
        let raw = read(u64_at(symtab, 24), size)?;
        let strings = read(u64_at(strtab, 24), u64_at(strtab, 32) as usize)?;
        let mut symbols: Vec<(u64, u64, u32)> = raw
            .chunks_exact(entsize)
            .filter(|s| s[4] & 0xf == STT_FUNC && u64_at(s, 8) != 0)
            .map(|s| (u64_at(s, 8), u64_at(s, 16), u32_at(s, 0)))
            .filter(|&(_, _, name)| (name as usize) < strings.len())
            .collect();
        symbols.sort_unstable_by_key(|&(start, _, _)| start);
        Some(Symtab { bias, symbols, strings })
    }

    fn u16_at(b: &[u8], at: usize) -> u16 {
        u16::from_ne_bytes([b[at], b[at + 1]])
    }

    fn u32_at(b: &[u8], at: usize) -> u32 {
        u32::from_ne_bytes(b[at..at + 4].try_into().expect("4 bytes"))
    }

    fn u64_at(b: &[u8], at: usize) -> u64 {
        u64::from_ne_bytes(b[at..at + 8].try_into().expect("8 bytes"))
    }
}

#[cfg(not(all(target_os = "linux", target_pointer_width = "64", not(miri))))]
mod imp {
    pub(super) fn load() -> Option<super::Symtab> {
        None
    }
}

#[cfg(all(test, target_os = "linux", target_pointer_width = "64", not(miri)))]
mod tests {
    #[inline(never)]
    fn a_function_of_our_own() -> usize {
        std::hint::black_box(a_function_of_our_own as *const () as usize)
    }

    #[test]
    fn the_symbol_table_names_a_function_by_its_address() {
        let name =
            super::name_at(a_function_of_our_own() + 1).expect("test binaries keep their symbol table");
        assert!(name.ends_with("diag::symtab::tests::a_function_of_our_own"), "{name}");
    }
}
