//! Naming the addresses of a captured stack from the files of the objects they are in (ELF, Linux,
//! 64-bit): for each address, the functions at it, inlined ones first, with file:line from DWARF,
//! and the qualified name the symbol table has for the function that contains it.
//!
//! Why not `backtrace::resolve`: memory. It parses the debug information of the whole binary on
//! first use and keeps it for the life of the process; in a hyper server the first long poll's
//! stack took the resident memory from 4 MB to 76 MB (49 MB of parsed tables, 27 MB of the file's
//! pages), more than the server uses to serve. Here each batch of addresses maps the file, reads
//! what those addresses need and unmaps it: the address ranges (`.debug_aranges`) to find their
//! compilation units, then, streaming, each of those units' entries (the functions and inlined
//! calls that contain an address) and its line program (the row that covers it). Nothing parsed is
//! kept, so memory goes back to what it was once the batch is done, and the peak is the pages of
//! the units read, not of the binary. The price is CPU: a unit is read again for each batch, a few
//! milliseconds in a release build; stacks are symbolized only when a long poll or a dump is
//! reported, off the workers (`symbolizer.rs`).
//!
//! Why the symbol table too: with `debug = "line-tables-only"`, DWARF names a function by the last
//! part of its path only (`{async_fn#0}`, `poll<T>`), and the symbol table, which every build but a
//! stripped one keeps, has the mangled qualified name of each function that was not inlined. With
//! `debug = 0` it is all there is. `.dynsym` stands in where `.symtab` was stripped (the C library).
//!
//! Not read: separate debug files (`.gnu_debuglink`, split DWARF), compressed debug sections; an
//! address whose object has none of its own is named by the symbol table alone.
//!
//! Elsewhere (other systems, Miri) `backtrace::resolve` does it.

/// What one address resolves to.
#[derive(Debug, Default)]
pub(crate) struct Resolved {
    /// The functions at the address, innermost (inlined) first, as DWARF has them.
    pub(crate) frames: Vec<RawFrame>,
    /// The symbol table's name of the function that contains the address, demangled.
    pub(crate) symbol: Option<String>,
}

#[derive(Debug)]
pub(crate) struct RawFrame {
    /// Demangled, without its hash.
    pub(crate) function: Option<String>,
    pub(crate) file: Option<String>,
    pub(crate) line: Option<u32>,
}

/// Resolves each of `addrs`, which are the addresses to look up (for a return address, the byte
/// before it).
pub(crate) fn resolve(addrs: &[usize]) -> Vec<Resolved> {
    imp::resolve(addrs)
}

#[cfg(all(target_os = "linux", target_pointer_width = "64", not(miri)))]
mod imp {
    use super::{RawFrame, Resolved};
    use gimli::{EndianSlice, RunTimeEndian};
    use object::{Object, ObjectSection, ObjectSymbol};
    use std::ffi::CStr;
    use std::fs::File;
    use std::ops::Range;
    use std::os::fd::AsRawFd;

    /// A function name as the symbol table or DWARF has it, demangled, without its hash.
    fn demangle(name: &[u8]) -> String {
        format!("{:#}", backtrace::SymbolName::new(name))
    }

    type R<'a> = EndianSlice<'a, RunTimeEndian>;

    /// A loaded object: its file, where it is loaded, and the address ranges of its segments.
    struct Loaded {
        path: String,
        bias: usize,
        segments: Vec<Range<usize>>,
    }

    pub(super) fn resolve(addrs: &[usize]) -> Vec<Resolved> {
        let mut out: Vec<Resolved> = addrs.iter().map(|_| Resolved::default()).collect();
        for object in loaded_objects() {
            // (address in the object's own terms, index into `out`), by address.
            let mut mine: Vec<(u64, usize)> = addrs
                .iter()
                .enumerate()
                .filter(|(_, &a)| object.segments.iter().any(|s| s.contains(&a)))
                .map(|(i, &a)| (a.wrapping_sub(object.bias) as u64, i))
                .collect();
            if mine.is_empty() {
                continue;
            }
            mine.sort_unstable();
            if let Some(map) = Mapped::open(&object.path) {
                resolve_in(map.bytes(), &mine, &mut out);
            }
        }
        out
    }

    /// Every object loaded now.
    fn loaded_objects() -> Vec<Loaded> {
        unsafe extern "C" fn visit(
            info: *mut libc::dl_phdr_info,
            _size: libc::size_t,
            data: *mut libc::c_void,
        ) -> libc::c_int {
            // SAFETY: `dl_iterate_phdr` passes a valid `info` for the call, and `data` is the
            // vector below, borrowed for the whole iteration.
            let (info, objects) = unsafe { (&*info, &mut *data.cast::<Vec<Loaded>>()) };
            let bias = info.dlpi_addr as usize;
            // SAFETY: `dlpi_phdr` points at `dlpi_phnum` program headers.
            let headers = unsafe { std::slice::from_raw_parts(info.dlpi_phdr, info.dlpi_phnum as usize) };
            let segments = headers
                .iter()
                .filter(|h| h.p_type == libc::PT_LOAD)
                .map(|h| {
                    let start = bias.wrapping_add(h.p_vaddr as usize);
                    start..start + h.p_memsz as usize
                })
                .collect();
            // SAFETY: `dlpi_name` is a NUL-terminated string (empty for the program).
            let name = (!info.dlpi_name.is_null())
                .then(|| unsafe { CStr::from_ptr(info.dlpi_name) }.to_string_lossy().into_owned())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| "/proc/self/exe".to_string());
            objects.push(Loaded { path: name, bias, segments });
            0
        }
        let mut objects: Vec<Loaded> = Vec::new();
        // SAFETY: `visit` only reads what it is given and pushes to `objects`, which outlives the
        // call.
        unsafe { libc::dl_iterate_phdr(Some(visit), (&raw mut objects).cast()) };
        objects
    }

    /// A file mapped read-only, unmapped on drop: its pages count as the process's memory only
    /// while mapped, and only those read.
    struct Mapped {
        ptr: *mut libc::c_void,
        len: usize,
    }

    impl Mapped {
        fn open(path: &str) -> Option<Mapped> {
            let file = File::open(path).ok()?;
            let len = usize::try_from(file.metadata().ok()?.len()).ok()?;
            if len == 0 {
                return None;
            }
            // SAFETY: a new private read-only mapping of the whole file; nothing else is at the
            // address the kernel picks.
            let ptr = unsafe {
                libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ, libc::MAP_PRIVATE, file.as_raw_fd(), 0)
            };
            (ptr != libc::MAP_FAILED).then_some(Mapped { ptr, len })
        }

        fn bytes(&self) -> &[u8] {
            // SAFETY: `len` bytes mapped readable at `ptr` until drop. The file is a loaded
            // object: the kernel refuses to write the running program (ETXTBSY), and a library or
            // program replaced on disk is replaced by a new file, which leaves this one as it was.
            // (A library truncated in place would fault here, as it would in the code that runs
            // from it.)
            unsafe { std::slice::from_raw_parts(self.ptr.cast(), self.len) }
        }
    }

    impl Drop for Mapped {
        fn drop(&mut self) {
            // SAFETY: mapped in `open`, and no slice of it outlives `self` (`bytes` borrows it).
            unsafe { libc::munmap(self.ptr, self.len) };
        }
    }

    /// Resolves the addresses `mine` (object addresses, sorted) of one object file.
    fn resolve_in(data: &[u8], mine: &[(u64, usize)], out: &mut [Resolved]) {
        let Ok(file) = object::read::elf::ElfFile64::<object::Endianness>::parse(data) else { return };
        symbols(&file, mine, out);
        let endian = if file.is_little_endian() { RunTimeEndian::Little } else { RunTimeEndian::Big };
        let section = |id: gimli::SectionId| -> Result<R<'_>, ()> {
            let data = file
                .section_by_name(id.name())
                .filter(|s| s.compressed_data().is_ok_and(|c| c.format == object::CompressionFormat::None))
                .and_then(|s| s.data().ok())
                .unwrap_or(&[]);
            Ok(EndianSlice::new(data, endian))
        };
        let Ok(dwarf) = gimli::Dwarf::load(section) else { return };
        let mut frames: Vec<Option<Vec<RawFrame>>> = mine.iter().map(|_| None).collect();
        // Errors in the DWARF leave the addresses they concern without frames.
        let _ = dwarf_frames(&dwarf, mine, &mut frames);
        for (&(_, i), frames) in mine.iter().zip(frames) {
            let Some(mut frames) = frames else { continue };
            for frame in &mut frames {
                // As `backtrace` did: a function DWARF does not name is named by the symbol table.
                if frame.function.is_none() {
                    frame.function.clone_from(&out[i].symbol);
                }
            }
            out[i].frames = frames;
        }
    }

    /// The symbol table's names for `mine`: of the function symbols that start at or before an
    /// address and whose size reaches it (or that start there), the last to start.
    fn symbols<'data>(
        file: &object::read::elf::ElfFile64<'data, object::Endianness>,
        mine: &[(u64, usize)],
        out: &mut [Resolved],
    ) {
        fn scan<'data>(
            symbols: impl Iterator<Item = (u64, u64, &'data [u8])>,
            mine: &[(u64, usize)],
            best: &mut [Option<(u64, &'data [u8])>],
        ) -> bool {
            let mut any = false;
            for (start, size, name) in symbols {
                any = true;
                let from = mine.partition_point(|&(a, _)| a < start);
                let to = mine.partition_point(|&(a, _)| a < start.saturating_add(size.max(1)));
                for slot in &mut best[from..to] {
                    if slot.is_none_or(|(s, _)| s < start) {
                        *slot = Some((start, name));
                    }
                }
            }
            any
        }
        fn text<'data>(
            s: object::read::elf::ElfSymbol64<'data, '_, object::Endianness>,
        ) -> Option<(u64, u64, &'data [u8])> {
            if s.kind() != object::SymbolKind::Text || s.address() == 0 {
                return None;
            }
            Some((s.address(), s.size(), s.name_bytes().ok()?))
        }
        let mut best: Vec<Option<(u64, &'data [u8])>> = mine.iter().map(|_| None).collect();
        if !scan(file.symbols().filter_map(text), mine, &mut best) {
            scan(file.dynamic_symbols().filter_map(text), mine, &mut best);
        }
        for (&(_, i), best) in mine.iter().zip(best) {
            out[i].symbol = best.map(|(_, name)| demangle(name));
        }
    }

    /// A function or inlined call that contains an address.
    struct Call {
        name: Option<String>,
        /// Where it was inlined, for an inlined call.
        call_file: Option<u64>,
        call_line: u32,
    }

    /// The frames of each address of `mine` that DWARF has, unit by unit.
    fn dwarf_frames<'a>(
        dwarf: &gimli::Dwarf<R<'a>>,
        mine: &[(u64, usize)],
        frames: &mut [Option<Vec<RawFrame>>],
    ) -> gimli::Result<()> {
        // The unit of each address, by the ranges `.debug_aranges` gives each unit.
        let mut units: Vec<Option<gimli::DebugInfoOffset>> = mine.iter().map(|_| None).collect();
        let mut headers = dwarf.debug_aranges.headers();
        while let Some(header) = headers.next()? {
            let mut entries = header.entries();
            while let Some(entry) = entries.next()? {
                let range = entry.range();
                let from = mine.partition_point(|&(a, _)| a < range.begin);
                let to = mine.partition_point(|&(a, _)| a < range.end);
                for unit in &mut units[from..to] {
                    unit.get_or_insert(header.debug_info_offset());
                }
            }
        }
        // Units without address ranges there: by their own.
        if units.iter().any(Option::is_none) {
            let mut headers = dwarf.units();
            while let Some(header) = headers.next()? {
                let Some(offset) = header.debug_info_offset() else { continue };
                let Ok(unit) = dwarf.unit(header) else { continue };
                let mut ranges = dwarf.unit_ranges(&unit)?;
                while let Some(range) = ranges.next()? {
                    let from = mine.partition_point(|&(a, _)| a < range.begin);
                    let to = mine.partition_point(|&(a, _)| a < range.end);
                    for unit in &mut units[from..to] {
                        unit.get_or_insert(offset);
                    }
                }
                if units.iter().all(Option::is_some) {
                    break;
                }
            }
        }
        let mut offsets: Vec<gimli::DebugInfoOffset> = units.iter().flatten().copied().collect();
        offsets.sort_unstable_by_key(|o| o.0);
        offsets.dedup();
        for offset in offsets {
            let here: Vec<(u64, usize)> = mine
                .iter()
                .zip(&units)
                .enumerate()
                .filter(|(_, (_, unit))| **unit == Some(offset))
                .map(|(k, (&(a, _), _))| (a, k))
                .collect();
            let Ok(header) = dwarf.unit_header(offset) else { continue };
            let Ok(unit) = dwarf.unit(header) else { continue };
            let _ = unit_frames(dwarf, &unit, &here, frames);
        }
        Ok(())
    }

    /// The frames of the addresses `here` (address, index into `frames`; by address) of one unit.
    fn unit_frames<'a>(
        dwarf: &gimli::Dwarf<R<'a>>,
        unit: &gimli::Unit<R<'a>>,
        here: &[(u64, usize)],
        frames: &mut [Option<Vec<RawFrame>>],
    ) -> gimli::Result<()> {
        let mut calls: Vec<Vec<Call>> = here.iter().map(|_| Vec::new()).collect();
        let mut tree = unit.entries_tree(None)?;
        let all: Vec<usize> = (0..here.len()).collect();
        calls_in(dwarf, unit, tree.root()?, here, &all, &mut calls)?;
        let lines = line_rows(dwarf, unit, here)?;
        for (k, (calls, (file, line))) in calls.into_iter().zip(lines).enumerate() {
            let mut out = Vec::with_capacity(calls.len().max(1));
            if calls.is_empty() {
                if file.is_some() || line.is_some() {
                    out.push(RawFrame { function: None, file, line });
                }
            } else {
                // Innermost first: the innermost call at the line table's place, each one out at
                // the place the call inside it was inlined.
                let (mut file, mut line) = (file, line);
                for call in calls.iter().rev() {
                    out.push(RawFrame { function: call.name.clone(), file: file.take(), line: line.take() });
                    file = call.call_file.and_then(|f| file_name(dwarf, unit, f));
                    line = (call.call_line != 0).then_some(call.call_line);
                }
            }
            if !out.is_empty() {
                frames[here[k].1] = Some(out);
            }
        }
        Ok(())
    }

    /// Walks the entries under `node`: each function or inlined call that contains some of the
    /// addresses `which` (indices into `here`) is added to their calls, and its children walked
    /// for them only. Other entries (namespaces, types, blocks) are walked through.
    fn calls_in<'a>(
        dwarf: &gimli::Dwarf<R<'a>>,
        unit: &gimli::Unit<R<'a>>,
        node: gimli::EntriesTreeNode<'_, '_, R<'a>>,
        here: &[(u64, usize)],
        which: &[usize],
        calls: &mut [Vec<Call>],
    ) -> gimli::Result<()> {
        let mut children = node.children();
        while let Some(child) = children.next()? {
            let entry = child.entry();
            let tag = entry.tag();
            if tag != gimli::DW_TAG_subprogram && tag != gimli::DW_TAG_inlined_subroutine {
                calls_in(dwarf, unit, child, here, which, calls)?;
                continue;
            }
            let mut inside: Vec<usize> = Vec::new();
            let mut ranges = dwarf.die_ranges(unit, entry)?;
            while let Some(range) = ranges.next()? {
                inside.extend(which.iter().filter(|&&k| range.begin <= here[k].0 && here[k].0 < range.end));
            }
            if inside.is_empty() {
                continue;
            }
            inside.sort_unstable();
            inside.dedup();
            let mut call_file = None;
            let mut call_line = 0;
            if tag == gimli::DW_TAG_inlined_subroutine {
                if let Some(gimli::AttributeValue::FileIndex(file)) = entry.attr_value(gimli::DW_AT_call_file)
                {
                    // File 0 is a file only from DWARF 5 on.
                    if file > 0 || unit.header.version() >= 5 {
                        call_file = Some(file);
                    }
                }
                call_line =
                    entry.attr_value(gimli::DW_AT_call_line).and_then(|v| v.udata_value()).unwrap_or(0)
                        as u32;
            }
            let name = name_of(dwarf, unit, entry, 16).map(|n| demangle(n.slice()));
            for &k in &inside {
                calls[k].push(Call { name: name.clone(), call_file, call_line });
            }
            calls_in(dwarf, unit, child, here, &inside, calls)?;
        }
        Ok(())
    }

    /// A function's name: its linkage (mangled) name, else its name, else those of the entry it is
    /// an instance (`DW_AT_abstract_origin`) or the definition (`DW_AT_specification`) of.
    fn name_of<'a>(
        dwarf: &gimli::Dwarf<R<'a>>,
        unit: &gimli::Unit<R<'a>>,
        entry: &gimli::DebuggingInformationEntry<R<'a>>,
        depth: u32,
    ) -> Option<R<'a>> {
        let mut name = None;
        let mut next = None;
        for attr in entry.attrs() {
            match attr.name() {
                gimli::DW_AT_linkage_name | gimli::DW_AT_MIPS_linkage_name => {
                    if let Ok(s) = dwarf.attr_string(unit, attr.value()) {
                        return Some(s);
                    }
                }
                gimli::DW_AT_name => name = dwarf.attr_string(unit, attr.value()).ok(),
                gimli::DW_AT_abstract_origin | gimli::DW_AT_specification => next = Some(attr.value()),
                _ => {}
            }
        }
        if name.is_some() || depth == 0 {
            return name;
        }
        match next? {
            gimli::AttributeValue::UnitRef(offset) => {
                let entry = unit.entry(offset).ok()?;
                name_of(dwarf, unit, &entry, depth - 1)
            }
            gimli::AttributeValue::DebugInfoRef(offset) => {
                // In another unit (LTO): found by walking the units' headers.
                let mut headers = dwarf.units();
                while let Ok(Some(header)) = headers.next() {
                    let Some(in_unit) = offset.to_unit_offset(&header) else { continue };
                    let other = dwarf.unit(header).ok()?;
                    let entry = other.entry(in_unit).ok()?;
                    return name_of(dwarf, &other, &entry, depth - 1);
                }
                None
            }
            _ => None,
        }
    }

    /// The file and line of each address of `here` (by address), from the unit's line program.
    fn line_rows<'a>(
        dwarf: &gimli::Dwarf<R<'a>>,
        unit: &gimli::Unit<R<'a>>,
        here: &[(u64, usize)],
    ) -> gimli::Result<Vec<(Option<String>, Option<u32>)>> {
        let mut found: Vec<Option<(u64, u64)>> = here.iter().map(|_| None).collect();
        if let Some(program) = unit.line_program.clone() {
            let mut rows = program.rows();
            // The row before, while in a sequence: (address, file, line).
            let mut before: Option<(u64, u64, u64)> = None;
            while let Some((_, row)) = rows.next_row()? {
                let address = row.address();
                if let Some((start, file, line)) = before {
                    // The row before covers the addresses up to this row's.
                    if start < address {
                        let from = here.partition_point(|&(a, _)| a < start);
                        let to = here.partition_point(|&(a, _)| a < address);
                        for slot in &mut found[from..to] {
                            slot.get_or_insert((file, line));
                        }
                    }
                }
                before = (!row.end_sequence())
                    .then(|| (address, row.file_index(), row.line().map_or(0, |l| l.get())));
            }
        }
        Ok(found
            .into_iter()
            .map(|found| match found {
                Some((file, line)) => (
                    file_name(dwarf, unit, file),
                    (line != 0).then(|| u32::try_from(line).unwrap_or(u32::MAX)),
                ),
                None => (None, None),
            })
            .collect())
    }

    /// The path of file `index` of the unit's line program: joined to its directory and the
    /// unit's, unless absolute.
    fn file_name<'a>(dwarf: &gimli::Dwarf<R<'a>>, unit: &gimli::Unit<R<'a>>, index: u64) -> Option<String> {
        let header = unit.line_program.as_ref()?.header();
        let file = header.file(index)?;
        let mut path = unit.comp_dir.map(|d| d.to_string_lossy().into_owned()).unwrap_or_default();
        // Directory 0 is the unit's own.
        if file.directory_index() != 0 {
            if let Some(dir) = file.directory(header) {
                push(&mut path, &dwarf.attr_string(unit, dir).ok()?.to_string_lossy());
            }
        }
        push(&mut path, &dwarf.attr_string(unit, file.path_name()).ok()?.to_string_lossy());
        Some(path)
    }

    fn push(path: &mut String, part: &str) {
        if part.starts_with('/') {
            *path = part.to_string();
        } else {
            if !path.is_empty() && !path.ends_with('/') {
                path.push('/');
            }
            path.push_str(part);
        }
    }
}

#[cfg(not(all(target_os = "linux", target_pointer_width = "64", not(miri))))]
mod imp {
    use super::{RawFrame, Resolved};

    pub(super) fn resolve(addrs: &[usize]) -> Vec<Resolved> {
        addrs
            .iter()
            .map(|&addr| {
                let mut resolved = Resolved::default();
                // `backtrace::resolve` looks up the byte before the address it is given.
                backtrace::resolve(addr.wrapping_add(1) as *mut std::ffi::c_void, |symbol| {
                    resolved.frames.push(RawFrame {
                        function: symbol.name().map(|n| format!("{n:#}")),
                        file: symbol.filename().map(|f| f.display().to_string()),
                        line: symbol.lineno(),
                    });
                });
                resolved
            })
            .collect()
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
        let resolved = super::resolve(&[a_function_of_our_own() + 1]);
        let name = resolved[0].symbol.as_deref().expect("test binaries keep their symbol table");
        assert!(name.ends_with("diag::symtab::tests::a_function_of_our_own"), "{name}");
        let frame = resolved[0].frames.last().expect("test binaries have debug information");
        assert!(frame.file.as_deref().is_some_and(|f| f.ends_with("diag/symtab.rs")), "{frame:?}");
    }
}
