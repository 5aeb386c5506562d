//! A Parquet file written row group by row group (Apache Parquet format,
//! through the `parquet` crate's column writers, without Arrow): rows are
//! gathered column by column and handed every [`ROW_GROUP`] rows to a
//! writer thread that encodes them while the next group fills, so a table
//! of any length holds at most three row groups in memory (four with a
//! column completed on a thread of its own, [`Deferred`]).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

use bytes::Bytes;
use parquet::basic::Compression;
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
    /// Values are mostly distinct (frame numbers, times, TSNs): written
    /// plain, without a dictionary, which would only grow with each row
    /// group's values and cost a hash lookup per value.
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
    /// with a deferred column: one more being completed).
    sets: usize,
    /// The deferred column's work for the row group being filled.
    side: Option<Box<dyn Deferred>>,
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

/// A row group on its way to the writer thread: the columns' buffers and
/// the deferred column's work.
type Group = (Vec<Buf>, Option<Box<dyn Deferred>>);

/// The values of one string column computed on the writer thread, from
/// what the filling thread kept for it per row group (see
/// [`Table::create_deferred`]). The filling thread leaves that column out
/// of its rows.
pub trait Deferred: Send + 'static {
    /// Gives the column's value for every row of the group, in order.
    fn fill(&mut self, out: &mut dyn FnMut(Option<String>));
    /// Forgets the group's work (the buffers are reused).
    fn clear(&mut self);
    /// An empty one for another set of buffers.
    fn empty(&self) -> Box<dyn Deferred>;
    /// For the filling thread to reach its own type.
    fn as_any(&mut self) -> &mut dyn std::any::Any;
}

/// A value for the next column.
pub enum V {
    /// An integer (for I64, I32 and Time columns).
    I(i64),
    /// A double.
    F(f64),
    /// A boolean.
    B(bool),
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
    /// columns `cols`.
    pub fn create(dest: &Path, name: &str, cols: &[Column]) -> Result<Table, String> {
        Self::create_deferred(dest, name, cols, None)
    }

    /// As [`Table::create`], with column `k` filled on the writer thread by
    /// `side` (see [`Deferred`]): work that would slow the thread that
    /// reads the capture down is done beside the encoding instead.
    pub fn create_deferred(
        dest: &Path,
        name: &str,
        cols: &[Column],
        side: Option<(usize, Box<dyn Deferred>)>,
    ) -> Result<Table, String> {
        let schema = parse_message_type(&message_type(name, cols))
            .map_err(|e| format!("parquet schema: {e}"))?;
        let mut props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_created_by(format!("sctp-craft {}", env!("CARGO_PKG_VERSION")));
        for c in cols.iter().filter(|c| c.distinct) {
            props = props.set_column_dictionary_enabled(ColumnPath::from(c.name), false);
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
        let deferred_col = side.as_ref().map(|s| s.0);
        if let Some(k) = deferred_col {
            assert!(cols[k].kind == Kind::Str && cols[k].optional);
        }
        let (tx, rx) = sync_channel::<Group>(0);
        let (back_tx, back) = channel::<Group>();
        // With a deferred column, a thread of its own fills it between the
        // filling thread and the writer: three stages, each on a row group
        // of its own.
        let rx = match deferred_col {
            None => rx,
            Some(k) => {
                let (tx2, rx2) = sync_channel::<Group>(0);
                std::thread::Builder::new()
                    .name("export-deferred".into())
                    .spawn(move || {
                        for (mut bufs, mut side) in rx {
                            if let Some(d) = side.as_mut() {
                                let b = &mut bufs[k];
                                if let Values::Str(v) = &mut b.values {
                                    d.fill(&mut |x: Option<String>| {
                                        b.defs.push(i16::from(x.is_some()));
                                        if let Some(x) = x {
                                            v.push(ByteArray::from(x.into_bytes()));
                                        }
                                    });
                                }
                                d.clear();
                            }
                            if tx2.send((bufs, side)).is_err() {
                                break;
                            }
                        }
                    })
                    .map_err(|e| format!("a writer thread: {e}"))?;
                rx2
            }
        };
        let worker = std::thread::Builder::new()
            .name("parquet-writer".into())
            .spawn(move || {
                let mut writer = writer;
                for (mut bufs, side) in rx {
                    write_group(&mut writer, &mut bufs)?;
                    let _ = back_tx.send((bufs, side));
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
            side: side.map(|s| s.1),
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
            (Values::Bool(x), V::B(f)) => x.push(f),
            (Values::Str(x), V::S(s)) => x.push(ByteArray::from(Bytes::from_static(s.as_bytes()))),
            (Values::Str(x), V::O(s)) => x.push(ByteArray::from(s.into_bytes())),
            _ => panic!("wrong value type for column {}", col.name),
        }
    }

    /// The deferred column's work for the row group being filled, as `T`.
    pub fn side<T: 'static>(&mut self) -> Option<&mut T> {
        self.side.as_mut()?.as_any().downcast_mut::<T>()
    }

    /// Makes column `k` the next one [`Table::push`] fills: a row's columns
    /// may be filled in any order, each exactly once per row.
    #[inline(always)]
    pub fn seek(&mut self, k: usize) {
        self.next = k;
    }

    /// Appends `v` to column `k` `n` times: a value shared by the next `n`
    /// rows (the columns of a packet, the same for each of its chunks),
    /// stored in one step instead of one per row.
    pub fn push_n(&mut self, k: usize, v: V, n: usize) {
        let col = &self.cols[k];
        let b = &mut self.bufs[k];
        if b.optional {
            let d = i16::from(!matches!(v, V::Null));
            b.defs.extend(std::iter::repeat_n(d, n));
        }
        match (&mut b.values, v) {
            (_, V::Null) => assert!(col.optional, "null in required column {}", col.name),
            (Values::I64(x), V::I(i)) => x.extend(std::iter::repeat_n(i, n)),
            (Values::I32(x), V::I(i)) => x.extend(std::iter::repeat_n(i as i32, n)),
            (Values::F64(x), V::F(f)) => x.extend(std::iter::repeat_n(f, n)),
            (Values::Bool(x), V::B(f)) => x.extend(std::iter::repeat_n(f, n)),
            // A fresh static `Bytes` per row costs less than cloning one.
            (Values::Str(x), V::S(s)) => {
                x.extend((0..n).map(|_| ByteArray::from(Bytes::from_static(s.as_bytes()))))
            }
            (Values::Str(x), V::O(s)) => {
                x.extend(std::iter::repeat_n(ByteArray::from(s.into_bytes()), n))
            }
            _ => panic!("wrong value type for column {}", col.name),
        }
    }

    /// Ends `n` rows whose columns were filled with [`Table::push`] (after
    /// [`Table::seek`]) and [`Table::push_n`]; flushes a row group when
    /// full (a group may then hold up to `n - 1` rows more than
    /// [`ROW_GROUP`]).
    pub fn end_rows(&mut self, n: usize) -> Result<(), String> {
        debug_assert!(self.bufs.iter().all(|b| b.defs.len() <= self.rows + n));
        self.next = 0;
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
            Err(_) if self.sets < 3 + usize::from(self.side.is_some()) => {
                self.sets += 1;
                (new_bufs(&self.cols), self.side.as_ref().map(|d| d.empty()))
            }
            Err(_) => match self.back.recv() {
                Ok(b) => b,
                Err(_) => return Err(self.worker_error()),
            },
        };
        let (bufs, side) = fresh;
        let full = (
            std::mem::replace(&mut self.bufs, bufs),
            std::mem::replace(&mut self.side, side),
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
}
