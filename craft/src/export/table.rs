//! A Parquet file written row group by row group (Apache Parquet format,
//! through the `parquet` crate's column writers, without Arrow): rows are
//! gathered and handed every [`ROW_GROUP`] rows to a writer thread that
//! encodes them while the next group fills, so a table of any length holds
//! at most three row groups in memory (four when staged).
//!
//! A small table is filled column by column ([`Table::push`]). A large one
//! is staged ([`Table::create_staged`]): the filling thread keeps each row
//! as a struct of its own making ([`Stage`]), one sequential store per row,
//! and a thread between it and the writer turns a full group into columns
//! ([`Columns`]), so the thread reading the capture does not scatter each
//! row over dozens of buffers.

use std::borrow::Cow;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

use bytes::Bytes;
use parquet::basic::{Compression, Encoding};
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use parquet::schema::types::ColumnPath;

/// Rows per row group.
pub const ROW_GROUP: usize = 64 * 1024;

/// The physical type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// 64-bit integer.
    I64,
    /// 32-bit integer.
    I32,
    /// Double.
    F64,
    /// Boolean.
    Bool,
    /// UTF-8 string.
    Str,
    /// Microseconds since the Unix epoch (TIMESTAMP(MICROS, UTC): what
    /// Spark reads; exact nanoseconds go in a separate I64 column).
    Time,
}

/// A column of a table: its name, type and whether it may be null.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// Name.
    pub name: &'static str,
    /// Type.
    pub kind: Kind,
    /// May be null.
    pub optional: bool,
    /// Values are mostly distinct (RTTs, delays): written plain, without a
    /// dictionary, which would only grow with each row group's values and
    /// cost a hash lookup per value. (Integers and times never have one:
    /// they are delta-encoded.)
    pub distinct: bool,
    /// Min/max statistics are kept (off for names and statuses, whose
    /// range prunes nothing, and which cost a comparison per value).
    pub stats: bool,
}

/// A required column.
pub const fn req(name: &'static str, kind: Kind) -> Column {
    Column {
        name,
        kind,
        optional: false,
        distinct: false,
        stats: true,
    }
}

/// An optional column.
pub const fn opt(name: &'static str, kind: Kind) -> Column {
    Column {
        name,
        kind,
        optional: true,
        distinct: false,
        stats: true,
    }
}

impl Column {
    /// The same column, marked as holding mostly distinct values.
    pub const fn distinct(self) -> Column {
        Column {
            distinct: true,
            ..self
        }
    }

    /// The same column without min/max statistics.
    pub const fn no_stats(self) -> Column {
        Column {
            stats: false,
            ..self
        }
    }
}

#[derive(Debug)]
enum Values {
    I64(Vec<i64>),
    I32(Vec<i32>),
    F64(Vec<f64>),
    Bool(Vec<bool>),
    Str(Vec<ByteArray>),
}

#[derive(Debug)]
struct Buf {
    values: Values,
    defs: Vec<i16>,
    optional: bool,
}

/// A Parquet file being written: `push` each column of a row in schema
/// order, then `end_row`. Written to `NAME.tmp` and renamed by `finish`.
/// Full row groups are encoded and written by a thread of their own while
/// the next one fills (at most three row groups in memory).
pub struct Table {
    cols: Vec<Column>,
    bufs: Vec<Buf>,
    next: usize,
    rows: usize,
    total: u64,
    /// Sets of buffers made (at most three: filling, queued, encoding; four
    /// when staged: one more being turned into columns).
    sets: usize,
    /// A staged table's rows for the row group being filled.
    stage: Option<Box<dyn Stage>>,
    /// Full row groups to the writer thread.
    tx: Option<SyncSender<Group>>,
    /// Emptied buffers back from it.
    back: Receiver<Group>,
    worker: Option<JoinHandle<Result<(), String>>>,
    tmp: PathBuf,
    dest: PathBuf,
}

fn new_bufs(cols: &[Column]) -> Vec<Buf> {
    cols.iter()
        .map(|c| Buf {
            values: match c.kind {
                Kind::I64 | Kind::Time => Values::I64(Vec::with_capacity(ROW_GROUP)),
                Kind::I32 => Values::I32(Vec::with_capacity(ROW_GROUP)),
                Kind::F64 => Values::F64(Vec::with_capacity(ROW_GROUP)),
                Kind::Bool => Values::Bool(Vec::with_capacity(ROW_GROUP)),
                Kind::Str => Values::Str(Vec::with_capacity(ROW_GROUP)),
            },
            defs: Vec::with_capacity(if c.optional { ROW_GROUP } else { 0 }),
            optional: c.optional,
        })
        .collect()
}

/// Encodes one row group from `bufs` and empties them.
fn write_group(writer: &mut SerializedFileWriter<File>, bufs: &mut [Buf]) -> Result<(), String> {
    let err = |e: parquet::errors::ParquetError| e.to_string();
    let mut rg = writer.next_row_group().map_err(err)?;
    let mut k = 0;
    while let Some(mut col) = rg.next_column().map_err(err)? {
        let b = &mut bufs[k];
        k += 1;
        let defs = b.optional.then_some(&b.defs[..]);
        match &mut b.values {
            Values::I64(v) => {
                col.typed::<Int64Type>()
                    .write_batch(v, defs, None)
                    .map_err(err)?;
                v.clear();
            }
            Values::I32(v) => {
                col.typed::<Int32Type>()
                    .write_batch(v, defs, None)
                    .map_err(err)?;
                v.clear();
            }
            Values::F64(v) => {
                col.typed::<DoubleType>()
                    .write_batch(v, defs, None)
                    .map_err(err)?;
                v.clear();
            }
            Values::Bool(v) => {
                col.typed::<BoolType>()
                    .write_batch(v, defs, None)
                    .map_err(err)?;
                v.clear();
            }
            Values::Str(v) => {
                col.typed::<ByteArrayType>()
                    .write_batch(v, defs, None)
                    .map_err(err)?;
                v.clear();
            }
        }
        b.defs.clear();
        col.close().map_err(err)?;
    }
    rg.close().map_err(err)?;
    Ok(())
}

/// A row group on its way to the writer thread: the columns' buffers and,
/// in a staged table, the rows the stage turns into them.
type Group = (Vec<Buf>, Option<Box<dyn Stage>>);

/// The rows of a staged table ([`Table::create_staged`]) for the row group
/// being filled, kept by the filling thread in a shape of its own and
/// turned into columns on a thread of their own.
pub trait Stage: Send + 'static {
    /// Appends the group's rows to `out`, every column, in row order.
    fn columns(&mut self, out: &mut Columns<'_>);
    /// Forgets the group's rows (the buffers are reused).
    fn clear(&mut self);
    /// An empty one for another set of buffers.
    fn empty(&self) -> Box<dyn Stage>;
    /// For the filling thread to reach its own type.
    fn as_any(&mut self) -> &mut dyn std::any::Any;
}

/// Records whether each value of column `name` is there (its definition
/// levels, when `optional`) and passes on those that are; a null in a
/// required column panics.
fn defined<'a, T>(
    name: &'static str,
    optional: bool,
    defs: &'a mut Vec<i16>,
) -> impl FnMut(Option<T>) -> Option<T> + 'a {
    move |x| {
        if optional {
            defs.push(i16::from(x.is_some()));
        } else {
            assert!(x.is_some(), "null in required column {name}");
        }
        x
    }
}

/// The columns of a row group, appended to by a [`Stage`] a block of rows
/// at a time: each method appends the block's values of the next column
/// in schema order, and [`Columns::end_block`] comes after the last.
///
/// # Panics
/// On values of the wrong type, a null in a required column, or a block
/// that misses a column: a programming error of the stage, caught by the
/// tests.
pub struct Columns<'a> {
    cols: &'a [Column],
    bufs: &'a mut [Buf],
    next: usize,
}

impl Columns<'_> {
    fn buf(&mut self, kind: &[Kind]) -> (&'static str, &mut Buf) {
        let c = &self.cols[self.next];
        assert!(
            kind.contains(&c.kind),
            "wrong value type for column {}",
            c.name
        );
        self.next += 1;
        (c.name, &mut self.bufs[self.next - 1])
    }

    /// Ends a block: every column has had its values.
    pub fn end_block(&mut self) {
        assert_eq!(self.next, self.cols.len(), "a block missed columns");
        self.next = 0;
    }

    /// Integers (I64, I32 and Time columns), none null.
    pub fn ints(&mut self, it: impl ExactSizeIterator<Item = i64>) {
        let (_, b) = self.buf(&[Kind::I64, Kind::I32, Kind::Time]);
        if b.optional {
            b.defs.extend(std::iter::repeat_n(1, it.len()));
        }
        match &mut b.values {
            Values::I64(v) => v.extend(it),
            Values::I32(v) => v.extend(it.map(|x| x as i32)),
            _ => unreachable!(),
        }
    }

    /// Integers, `None` for null.
    pub fn opt_ints(&mut self, it: impl Iterator<Item = Option<i64>>) {
        let (name, b) = self.buf(&[Kind::I64, Kind::I32, Kind::Time]);
        let it = it.filter_map(defined(name, b.optional, &mut b.defs));
        match &mut b.values {
            Values::I64(v) => v.extend(it),
            Values::I32(v) => v.extend(it.map(|x| x as i32)),
            _ => unreachable!(),
        }
    }

    /// Doubles, `None` for null.
    pub fn opt_floats(&mut self, it: impl Iterator<Item = Option<f64>>) {
        let (name, b) = self.buf(&[Kind::F64]);
        if let Values::F64(v) = &mut b.values {
            v.extend(it.filter_map(defined(name, b.optional, &mut b.defs)));
        }
    }

    /// Booleans, `None` for null.
    pub fn opt_bools(&mut self, it: impl Iterator<Item = Option<bool>>) {
        let (name, b) = self.buf(&[Kind::Bool]);
        if let Values::Bool(v) = &mut b.values {
            v.extend(it.filter_map(defined(name, b.optional, &mut b.defs)));
        }
    }

    /// Strings, `None` for null: one that lives for ever is shared, not
    /// copied.
    pub fn opt_strs(&mut self, it: impl Iterator<Item = Option<Cow<'static, str>>>) {
        let (name, b) = self.buf(&[Kind::Str]);
        if let Values::Str(v) = &mut b.values {
            v.extend(
                it.filter_map(defined(name, b.optional, &mut b.defs))
                    .map(|s| match s {
                        Cow::Borrowed(s) => ByteArray::from(Bytes::from_static(s.as_bytes())),
                        Cow::Owned(s) => ByteArray::from(s.into_bytes()),
                    }),
            );
        }
    }
}

/// A value for the next column.
pub enum V {
    /// An integer (for I64, I32 and Time columns).
    I(i64),
    /// A double.
    F(f64),
    /// A string that lives for ever (shared, not copied).
    S(&'static str),
    /// A string made for this row.
    O(String),
    /// Null.
    Null,
}

impl<T: Into<i64>> From<Option<T>> for V {
    fn from(v: Option<T>) -> Self {
        v.map_or(V::Null, |x| V::I(x.into()))
    }
}

fn message_type(name: &str, cols: &[Column]) -> String {
    let mut s = format!("message {name} {{\n");
    for c in cols {
        let rep = if c.optional { "OPTIONAL" } else { "REQUIRED" };
        let ty = match c.kind {
            Kind::I64 => "INT64",
            Kind::I32 => "INT32",
            Kind::F64 => "DOUBLE",
            Kind::Bool => "BOOLEAN",
            Kind::Str => "BINARY",
            Kind::Time => "INT64",
        };
        let logical = match c.kind {
            Kind::Str => " (UTF8)",
            Kind::Time => " (TIMESTAMP(MICROS,true))",
            _ => "",
        };
        s.push_str(&format!("  {rep} {ty} {}{logical};\n", c.name));
    }
    s.push('}');
    s
}

impl Table {
    /// Creates `dest` (written as `dest.tmp` until [`Table::finish`]) with
    /// columns `cols`, filled with [`Table::push`].
    pub fn create(dest: &Path, name: &str, cols: &[Column]) -> Result<Table, String> {
        Self::make(dest, name, cols, None)
    }

    /// As [`Table::create`], staged: rows are kept by `stage` (reached
    /// with [`Table::stage`] and counted with [`Table::end_rows`]) and
    /// turned into columns on a thread of their own (see [`Stage`]).
    pub fn create_staged(
        dest: &Path,
        name: &str,
        cols: &[Column],
        stage: Box<dyn Stage>,
    ) -> Result<Table, String> {
        Self::make(dest, name, cols, Some(stage))
    }

    fn make(
        dest: &Path,
        name: &str,
        cols: &[Column],
        stage: Option<Box<dyn Stage>>,
    ) -> Result<Table, String> {
        let schema = parse_message_type(&message_type(name, cols))
            .map_err(|e| format!("parquet schema: {e}"))?;
        let mut props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_created_by(format!("sctp-craft {}", env!("CARGO_PKG_VERSION")));
        for c in cols {
            let path = || ColumnPath::from(c.name);
            match c.kind {
                // Integers and times are delta-encoded (Parquet's
                // DELTA_BINARY_PACKED), not looked up in a dictionary: frame
                // numbers, times and TSNs that climb shrink to a few bits,
                // and the few values of a type or port cost no hash per row.
                Kind::I64 | Kind::I32 | Kind::Time => {
                    props = props
                        .set_column_dictionary_enabled(path(), false)
                        .set_column_encoding(path(), Encoding::DELTA_BINARY_PACKED);
                }
                _ if c.distinct => props = props.set_column_dictionary_enabled(path(), false),
                _ => {}
            }
        }
        for c in cols.iter().filter(|c| !c.stats) {
            props = props
                .set_column_statistics_enabled(ColumnPath::from(c.name), EnabledStatistics::None);
        }
        let props = props.build();
        let mut tmp = dest.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let file = File::create(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
        let writer = SerializedFileWriter::new(file, Arc::new(schema), Arc::new(props))
            .map_err(|e| format!("{}: {e}", tmp.display()))?;
        let (tx, rx) = sync_channel::<Group>(0);
        let (back_tx, back) = channel::<Group>();
        // A staged table has a thread of its own that turns the rows into
        // columns between the filling thread and the writer: three stages,
        // each on a row group of its own.
        let (rx, stager) = match stage {
            None => (rx, None),
            Some(_) => {
                let (tx2, rx2) = sync_channel::<Group>(0);
                let cols = cols.to_vec();
                let stager = std::thread::Builder::new()
                    .name("export-stage".into())
                    .spawn(move || {
                        for (mut bufs, mut stage) in rx {
                            if let Some(st) = stage.as_mut() {
                                st.columns(&mut Columns {
                                    cols: &cols,
                                    bufs: &mut bufs,
                                    next: 0,
                                });
                                st.clear();
                                let rows = |b: &Buf| match (&b.values, b.optional) {
                                    (_, true) => b.defs.len(),
                                    (Values::I64(v), _) => v.len(),
                                    (Values::I32(v), _) => v.len(),
                                    (Values::F64(v), _) => v.len(),
                                    (Values::Bool(v), _) => v.len(),
                                    (Values::Str(v), _) => v.len(),
                                };
                                assert!(
                                    bufs.iter().all(|b| rows(b) == rows(&bufs[0])),
                                    "a stage gave columns of different lengths"
                                );
                            }
                            if tx2.send((bufs, stage)).is_err() {
                                break;
                            }
                        }
                    })
                    .map_err(|e| format!("a writer thread: {e}"))?;
                (rx2, Some(stager))
            }
        };
        let worker = std::thread::Builder::new()
            .name("parquet-writer".into())
            .spawn(move || {
                let mut writer = writer;
                for (mut bufs, stage) in rx {
                    write_group(&mut writer, &mut bufs)?;
                    let _ = back_tx.send((bufs, stage));
                }
                // A stage thread that failed has lost rows: no file.
                if stager.map(JoinHandle::join).is_some_and(|r| r.is_err()) {
                    return Err("the thread turning rows into columns failed".into());
                }
                writer.close().map_err(|e| e.to_string())?;
                Ok(())
            })
            .map_err(|e| format!("a writer thread: {e}"))?;
        Ok(Table {
            cols: cols.to_vec(),
            bufs: new_bufs(cols),
            next: 0,
            rows: 0,
            total: 0,
            sets: 1,
            stage,
            tx: Some(tx),
            back,
            worker: Some(worker),
            tmp,
            dest: dest.to_path_buf(),
        })
    }

    /// Appends `v` to the next column of the current row.
    ///
    /// # Panics
    /// On a value of the wrong type or a null in a required column: a
    /// programming error of the caller, caught by the tests.
    #[inline(always)]
    pub fn push(&mut self, v: V) {
        let col = &self.cols[self.next];
        let b = &mut self.bufs[self.next];
        self.next += 1;
        if b.optional {
            b.defs.push(i16::from(!matches!(v, V::Null)));
        }
        match (&mut b.values, v) {
            (_, V::Null) => assert!(col.optional, "null in required column {}", col.name),
            (Values::I64(x), V::I(i)) => x.push(i),
            (Values::I32(x), V::I(i)) => x.push(i as i32),
            (Values::F64(x), V::F(f)) => x.push(f),
            (Values::Str(x), V::S(s)) => x.push(ByteArray::from(Bytes::from_static(s.as_bytes()))),
            (Values::Str(x), V::O(s)) => x.push(ByteArray::from(s.into_bytes())),
            _ => panic!("wrong value type for column {}", col.name),
        }
    }

    /// A staged table's rows for the row group being filled, as `T`.
    pub fn stage<T: 'static>(&mut self) -> Option<&mut T> {
        self.stage.as_mut()?.as_any().downcast_mut::<T>()
    }

    /// Counts `n` rows added to a staged table's [`Stage`]; flushes a row
    /// group when full (a group may then hold up to `n - 1` rows more
    /// than [`ROW_GROUP`]).
    pub fn end_rows(&mut self, n: usize) -> Result<(), String> {
        debug_assert!(self.stage.is_some());
        self.rows += n;
        if self.rows >= ROW_GROUP {
            self.flush()?;
        }
        Ok(())
    }

    /// Ends the current row; flushes a row group when full.
    pub fn end_row(&mut self) -> Result<(), String> {
        debug_assert_eq!(self.next, self.cols.len());
        self.next = 0;
        self.rows += 1;
        if self.rows >= ROW_GROUP {
            self.flush()?;
        }
        Ok(())
    }

    /// Rows written so far (flushed or not).
    pub fn rows(&self) -> u64 {
        self.total + self.rows as u64
    }

    /// The writer thread's error, once it has stopped.
    fn worker_error(&mut self) -> String {
        self.tx = None;
        match self.worker.take().map(JoinHandle::join) {
            Some(Ok(Err(e))) => e,
            Some(Err(_)) => "the writer thread panicked".into(),
            _ => "the writer thread stopped".into(),
        }
    }

    fn flush(&mut self) -> Result<(), String> {
        if self.rows == 0 {
            return Ok(());
        }
        // Buffers come back from the writer once encoded: a third set is
        // made while it encodes one and the other fills, then they are
        // reused (no allocation, no page faults per row group).
        let fresh = match self.back.try_recv() {
            Ok(b) => b,
            Err(_) if self.sets < 3 + usize::from(self.stage.is_some()) => {
                self.sets += 1;
                (new_bufs(&self.cols), self.stage.as_ref().map(|d| d.empty()))
            }
            Err(_) => match self.back.recv() {
                Ok(b) => b,
                Err(_) => return Err(self.worker_error()),
            },
        };
        let (bufs, stage) = fresh;
        let full = (
            std::mem::replace(&mut self.bufs, bufs),
            std::mem::replace(&mut self.stage, stage),
        );
        let sent = self.tx.as_ref().map(|t| t.send(full));
        if !matches!(sent, Some(Ok(()))) {
            return Err(self.worker_error());
        }
        self.total += self.rows as u64;
        self.rows = 0;
        Ok(())
    }

    /// Writes what is left and the footer, and renames the file into
    /// place; returns the rows written.
    pub fn finish(mut self) -> Result<u64, String> {
        let tmp = self.tmp.clone();
        self.flush()
            .map_err(|e| format!("{}: {e}", tmp.display()))?;
        self.tx = None;
        match self.worker.take().map(JoinHandle::join) {
            Some(Ok(Ok(()))) => {}
            Some(Ok(Err(e))) => return Err(format!("{}: {e}", tmp.display())),
            _ => return Err(format!("{}: the writer thread failed", tmp.display())),
        }
        std::fs::rename(&tmp, &self.dest).map_err(|e| format!("{}: {e}", self.dest.display()))?;
        Ok(self.total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_text_parses() {
        static COLS: [Column; 6] = [
            req("a", Kind::I64),
            opt("b", Kind::I32),
            opt("c", Kind::F64),
            req("d", Kind::Bool),
            opt("e", Kind::Str),
            req("t", Kind::Time),
        ];
        let t = parse_message_type(&message_type("x", &COLS)).unwrap();
        assert_eq!(t.get_fields().len(), 6);
    }

    static STAGED: [Column; 5] = [
        req("n", Kind::I64),
        opt("m", Kind::I32),
        opt("f", Kind::F64),
        opt("b", Kind::Bool),
        opt("s", Kind::Str),
    ];

    /// A row `(n, m, f, b, s)`.
    type TestRow = (i64, Option<i64>, Option<f64>, Option<bool>, Option<String>);

    /// Rows; `short` leaves the last column out.
    struct TestStage {
        rows: Vec<TestRow>,
        short: bool,
    }

    impl Stage for TestStage {
        fn columns(&mut self, out: &mut Columns<'_>) {
            for b in self.rows.chunks(2) {
                out.ints(b.iter().map(|r| r.0));
                out.opt_ints(b.iter().map(|r| r.1));
                out.opt_floats(b.iter().map(|r| r.2));
                out.opt_bools(b.iter().map(|r| r.3));
                if self.short {
                    return;
                }
                out.opt_strs(b.iter().map(|r| r.4.clone().map(Cow::Owned)));
                out.end_block();
            }
        }
        fn clear(&mut self) {
            self.rows.clear();
        }
        fn empty(&self) -> Box<dyn Stage> {
            Box::new(TestStage {
                rows: Vec::new(),
                short: self.short,
            })
        }
        fn as_any(&mut self) -> &mut dyn std::any::Any {
            self
        }
    }

    fn staged(dir: &Path, short: bool, rows: usize) -> Result<u64, String> {
        let mut t = Table::create_staged(
            &dir.join("t.parquet"),
            "t",
            &STAGED,
            Box::new(TestStage {
                rows: Vec::new(),
                short,
            }),
        )?;
        for i in 0..rows as i64 {
            let st = t.stage::<TestStage>().expect("staged");
            st.rows.push((
                i,
                (i % 3 != 0).then_some(-i),
                (i % 2 == 0).then_some(i as f64 / 4.0),
                (i % 5 != 0).then_some(i % 2 == 0),
                (i % 4 != 1).then(|| format!("row {i}")),
            ));
            t.end_rows(1)?;
        }
        t.finish()
    }

    #[test]
    fn a_staged_table_reads_back_row_by_row() {
        use parquet::file::reader::{FileReader, SerializedFileReader};
        use parquet::record::Field;
        let dir = std::env::temp_dir().join(format!("sctpkit-staged-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // Three row groups and a bit: rows cross the groups' ends.
        let n = ROW_GROUP * 3 + 7;
        assert_eq!(staged(&dir, false, n), Ok(n as u64));
        let r = SerializedFileReader::new(File::open(dir.join("t.parquet")).unwrap()).unwrap();
        assert_eq!(r.metadata().file_metadata().num_rows(), n as i64);
        for (i, row) in r.get_row_iter(None).unwrap().enumerate() {
            let i = i as i64;
            let got: Vec<Field> = row
                .unwrap()
                .get_column_iter()
                .map(|(_, f)| f.clone())
                .collect();
            let or_null = |keep: bool, f: Field| if keep { f } else { Field::Null };
            let want = vec![
                Field::Long(i),
                or_null(i % 3 != 0, Field::Int(-i as i32)),
                or_null(i % 2 == 0, Field::Double(i as f64 / 4.0)),
                or_null(i % 5 != 0, Field::Bool(i % 2 == 0)),
                or_null(i % 4 != 1, Field::Str(format!("row {i}"))),
            ];
            assert_eq!(got, want, "row {i}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_stage_that_misses_a_column_leaves_no_file() {
        let dir = std::env::temp_dir().join(format!("sctpkit-short-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // One group, turned into columns only at finish: the failure must
        // still be seen there.
        assert!(staged(&dir, true, 10).is_err());
        assert!(!dir.join("t.parquet").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
