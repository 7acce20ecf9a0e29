//! One interface to the two engines: every query of every feature is
//! written once against `Conn`, which runs it on SQLite (rusqlite) or on
//! PostgreSQL (the synchronous `postgres` client), keeping the
//! closure-on-a-connection pattern of `Db::read` and `Db::write`.
//!
//! SQL is written with numbered placeholders (`?1`); on PostgreSQL they
//! become `$1` once, when the statement is prepared (and cached per
//! connection). Where the engines' SQL differs, a query picks its text with
//! `Conn::pick`. Values cross as integers, reals, text and bytes on both
//! sides; integers read from PostgreSQL's `int2/4/8`, `bool` and integral
//! `numeric` alike, so `count(*)` and `sum()` read as `i64` on both.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;

use bytes::BytesMut;
use postgres::types::{IsNull, Kind, ToSql as PgToSql, Type, to_sql_checked};

/// An error from either engine, or a value of the wrong shape.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("sqlite: {0}")]
    Lite(#[from] rusqlite::Error),
    #[error("postgres: {}", pg_message(.0))]
    Pg(#[from] postgres::Error),
    #[error("query returned no rows")]
    NoRows,
    #[error("column {0}: {1}")]
    Conversion(usize, String),
    #[error("{0}")]
    Other(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A UNIQUE or PRIMARY KEY constraint refused the write.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            Error::Lite(rusqlite::Error::SqliteFailure(e, _)) => {
                e.code == rusqlite::ErrorCode::ConstraintViolation
                    && matches!(
                        e.extended_code,
                        rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                            | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                    )
            }
            Error::Pg(e) => e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION),
            _ => false,
        }
    }

    /// The query was stopped for running past its time budget (SQLite's
    /// progress handler, PostgreSQL's `statement_timeout`).
    pub fn is_interrupted(&self) -> bool {
        match self {
            Error::Lite(rusqlite::Error::SqliteFailure(e, _)) => {
                e.code == rusqlite::ErrorCode::OperationInterrupted
            }
            Error::Pg(e) => e.code() == Some(&postgres::error::SqlState::QUERY_CANCELED),
            _ => false,
        }
    }
}

/// PostgreSQL's own words for an error (the client's `Display` says only
/// "db error").
fn pg_message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

/// `.optional()` on a one-row query: no row is `None`.
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(Error::NoRows) => Ok(None),
            Err(Error::Lite(rusqlite::Error::QueryReturnedNoRows)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// A value bound to a placeholder, borrowed from the caller.
#[derive(Clone, Copy, Debug)]
pub enum Param<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
    Blob(&'a [u8]),
}

/// What can be bound to a placeholder.
pub trait ToValue {
    fn to_param(&self) -> Param<'_>;
}

macro_rules! int_to_value {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_param(&self) -> Param<'_> {
                Param::Int(i64::try_from(*self).unwrap_or(i64::MAX))
            }
        }
    )*};
}
int_to_value!(i8, i16, i32, i64, u8, u16, u32, u64, usize, isize);

impl ToValue for bool {
    fn to_param(&self) -> Param<'_> {
        Param::Int(i64::from(*self))
    }
}
impl ToValue for f64 {
    fn to_param(&self) -> Param<'_> {
        Param::Real(*self)
    }
}
impl ToValue for str {
    fn to_param(&self) -> Param<'_> {
        Param::Text(self)
    }
}
impl ToValue for String {
    fn to_param(&self) -> Param<'_> {
        Param::Text(self)
    }
}
impl ToValue for [u8] {
    fn to_param(&self) -> Param<'_> {
        Param::Blob(self)
    }
}
impl ToValue for Vec<u8> {
    fn to_param(&self) -> Param<'_> {
        Param::Blob(self)
    }
}
impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_param(&self) -> Param<'_> {
        (**self).to_param()
    }
}
impl<T: ToValue> ToValue for Option<T> {
    fn to_param(&self) -> Param<'_> {
        match self {
            Some(v) => v.to_param(),
            None => Param::Null,
        }
    }
}
impl ToValue for Param<'_> {
    fn to_param(&self) -> Param<'_> {
        *self
    }
}
impl ToValue for std::sync::Arc<str> {
    fn to_param(&self) -> Param<'_> {
        Param::Text(self)
    }
}

/// A statement's parameters: `()`, an array, `params![..]` or
/// `params_from_iter(..)`.
pub trait Params {
    fn params(&self) -> Vec<Param<'_>>;
}
impl Params for () {
    fn params(&self) -> Vec<Param<'_>> {
        Vec::new()
    }
}
impl<T: ToValue, const N: usize> Params for [T; N] {
    fn params(&self) -> Vec<Param<'_>> {
        self.iter().map(ToValue::to_param).collect()
    }
}
impl<T: ToValue> Params for &[T] {
    fn params(&self) -> Vec<Param<'_>> {
        self.iter().map(ToValue::to_param).collect()
    }
}
impl<T: ToValue> Params for Vec<T> {
    fn params(&self) -> Vec<Param<'_>> {
        self.iter().map(ToValue::to_param).collect()
    }
}

/// Parameters from an iterator of values.
pub struct ParamsFromIter<T>(Vec<T>);
pub fn params_from_iter<I: IntoIterator>(iter: I) -> ParamsFromIter<I::Item>
where
    I::Item: ToValue,
{
    ParamsFromIter(iter.into_iter().collect())
}
impl<T: ToValue> Params for ParamsFromIter<T> {
    fn params(&self) -> Vec<Param<'_>> {
        self.0.iter().map(ToValue::to_param).collect()
    }
}

/// `params![a, b, c]`: mixed parameters.
#[macro_export]
macro_rules! params {
    () => { () };
    ($($p:expr),+ $(,)?) => {
        &[$(&$p as &dyn $crate::db::ToValue),+] as &[&dyn $crate::db::ToValue]
    };
}

impl rusqlite::ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match *self {
            Param::Null => ValueRef::Null,
            Param::Int(i) => ValueRef::Integer(i),
            Param::Real(f) => ValueRef::Real(f),
            Param::Text(s) => ValueRef::Text(s.as_bytes()),
            Param::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

impl PgToSql for Param<'_> {
    /// Encodes the value as the type PostgreSQL inferred for its
    /// placeholder: an integer for an `int8`, `int4`, `bool` or text one, text
    /// for text-like ones (`citext` included), bytes for `bytea`.
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        use bytes::BufMut;
        match *self {
            Param::Null => return Ok(IsNull::Yes),
            Param::Int(i) => match *ty {
                Type::INT8 => out.put_i64(i),
                Type::INT4 => out.put_i32(i32::try_from(i)?),
                Type::INT2 => out.put_i16(i16::try_from(i)?),
                Type::BOOL => out.put_u8(u8::from(i != 0)),
                Type::FLOAT8 => out.put_f64(i as f64),
                Type::FLOAT4 => out.put_f32(i as f32),
                Type::NUMERIC => return numeric(i, out),
                _ if is_text(ty) => out.put_slice(i.to_string().as_bytes()),
                _ => return Err(format!("an integer cannot be a {ty}").into()),
            },
            Param::Real(f) => match *ty {
                Type::FLOAT8 => out.put_f64(f),
                Type::FLOAT4 => out.put_f32(f as f32),
                _ if is_text(ty) => out.put_slice(f.to_string().as_bytes()),
                _ => return Err(format!("a real cannot be a {ty}").into()),
            },
            Param::Text(s) => match *ty {
                Type::BYTEA => out.put_slice(s.as_bytes()),
                Type::INT8 => out.put_i64(s.parse()?),
                Type::INT4 => out.put_i32(s.parse()?),
                _ if is_text(ty) => out.put_slice(s.as_bytes()),
                _ => return Err(format!("text cannot be a {ty}").into()),
            },
            Param::Blob(b) => match *ty {
                Type::BYTEA => out.put_slice(b),
                _ => return Err(format!("bytes cannot be a {ty}").into()),
            },
        }
        Ok(IsNull::No)
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn is_text(ty: &Type) -> bool {
    matches!(
        *ty,
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN | Type::JSON
    ) || matches!(ty.kind(), Kind::Simple) && ty.name() == "citext"
        || matches!(ty.kind(), Kind::Domain(inner) if is_text(inner))
}

/// An integer as PostgreSQL's binary `numeric`.
fn numeric(
    i: i64,
    out: &mut BytesMut,
) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
    use bytes::BufMut;
    let negative = i < 0;
    let mut n = i.unsigned_abs();
    let mut digits = Vec::new();
    while n > 0 {
        digits.push((n % 10_000) as i16);
        n /= 10_000;
    }
    digits.reverse();
    out.put_i16(i16::try_from(digits.len())?);
    out.put_i16(i16::try_from(digits.len())?.saturating_sub(1).max(0));
    out.put_u16(if negative { 0x4000 } else { 0 });
    out.put_i16(0);
    for d in digits {
        out.put_i16(d);
    }
    Ok(IsNull::No)
}

/// A column's value as read, before it becomes a Rust type.
#[derive(Clone, Copy, Debug)]
pub enum Val<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
    Blob(&'a [u8]),
}

/// A Rust type a column can be read as.
pub trait FromCol: Sized {
    fn from_val(v: Val<'_>) -> std::result::Result<Self, String>;
}

macro_rules! int_from_col {
    ($($t:ty),*) => {$(
        impl FromCol for $t {
            fn from_val(v: Val<'_>) -> std::result::Result<Self, String> {
                match v {
                    Val::Int(i) => <$t>::try_from(i).map_err(|e| e.to_string()),
                    other => Err(format!("{other:?} is not an integer")),
                }
            }
        }
    )*};
}
int_from_col!(i32, i64, u8, u16, u32, u64, usize);

impl FromCol for bool {
    fn from_val(v: Val<'_>) -> std::result::Result<Self, String> {
        match v {
            Val::Int(i) => Ok(i != 0),
            other => Err(format!("{other:?} is not a boolean")),
        }
    }
}
impl FromCol for f64 {
    fn from_val(v: Val<'_>) -> std::result::Result<Self, String> {
        match v {
            Val::Real(f) => Ok(f),
            Val::Int(i) => Ok(i as f64),
            other => Err(format!("{other:?} is not a number")),
        }
    }
}
impl FromCol for String {
    fn from_val(v: Val<'_>) -> std::result::Result<Self, String> {
        match v {
            Val::Text(s) => Ok(s.to_owned()),
            other => Err(format!("{other:?} is not text")),
        }
    }
}
impl FromCol for std::sync::Arc<str> {
    fn from_val(v: Val<'_>) -> std::result::Result<Self, String> {
        match v {
            Val::Text(s) => Ok(s.into()),
            other => Err(format!("{other:?} is not text")),
        }
    }
}
impl FromCol for Vec<u8> {
    fn from_val(v: Val<'_>) -> std::result::Result<Self, String> {
        match v {
            Val::Blob(b) => Ok(b.to_vec()),
            Val::Text(s) => Ok(s.as_bytes().to_vec()),
            other => Err(format!("{other:?} is not bytes")),
        }
    }
}
impl<T: FromCol> FromCol for Option<T> {
    fn from_val(v: Val<'_>) -> std::result::Result<Self, String> {
        match v {
            Val::Null => Ok(None),
            v => T::from_val(v).map(Some),
        }
    }
}

/// A column's number in a row (from 0).
pub trait ColIndex {
    fn index(self) -> usize;
}
impl ColIndex for usize {
    fn index(self) -> usize {
        self
    }
}

/// A result row of either engine.
pub enum Row<'a> {
    Lite(&'a rusqlite::Row<'a>),
    Pg(&'a postgres::Row),
}

impl Row<'_> {
    /// Column `idx` (from 0) as a `T`.
    pub fn get<I: ColIndex, T: FromCol>(&self, idx: I) -> Result<T> {
        let idx = idx.index();
        match self {
            Row::Lite(r) => {
                use rusqlite::types::ValueRef;
                let v = r.get_ref(idx)?;
                let v = match v {
                    ValueRef::Null => Val::Null,
                    ValueRef::Integer(i) => Val::Int(i),
                    ValueRef::Real(f) => Val::Real(f),
                    ValueRef::Text(t) => Val::Text(
                        std::str::from_utf8(t)
                            .map_err(|e| Error::Conversion(idx, e.to_string()))?,
                    ),
                    ValueRef::Blob(b) => Val::Blob(b),
                };
                T::from_val(v).map_err(|e| Error::Conversion(idx, e))
            }
            Row::Pg(r) => {
                let raw: Raw<'_> = r.try_get(idx)?;
                let v = raw.val().map_err(|e| Error::Conversion(idx, e))?;
                T::from_val(v).map_err(|e| Error::Conversion(idx, e))
            }
        }
    }
}

/// A PostgreSQL column as its type and bytes, decoded by `val`.
struct Raw<'a>(Type, Option<&'a [u8]>);

impl<'a> postgres::types::FromSql<'a> for Raw<'a> {
    fn from_sql(
        ty: &Type,
        raw: &'a [u8],
    ) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Raw(ty.clone(), Some(raw)))
    }
    fn from_sql_null(
        ty: &Type,
    ) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Raw(ty.clone(), None))
    }
    fn accepts(_: &Type) -> bool {
        true
    }
}

impl<'a> Raw<'a> {
    fn val(&self) -> std::result::Result<Val<'a>, String> {
        let Some(b) = self.1 else {
            return Ok(Val::Null);
        };
        let int = |n: usize| -> std::result::Result<[u8; 8], String> {
            if b.len() != n {
                return Err(format!("{} bytes for a {}", b.len(), self.0));
            }
            let mut out = [0u8; 8];
            let fill = if b.first().is_some_and(|&x| x & 0x80 != 0) {
                0xff
            } else {
                0
            };
            out[..8 - n].fill(fill);
            out[8 - n..].copy_from_slice(b);
            Ok(out)
        };
        Ok(match self.0 {
            Type::INT8 => Val::Int(i64::from_be_bytes(int(8)?)),
            Type::INT4 => Val::Int(i64::from_be_bytes(int(4)?)),
            Type::INT2 => Val::Int(i64::from_be_bytes(int(2)?)),
            Type::BOOL => Val::Int(i64::from(b.first().copied().unwrap_or(0) != 0)),
            Type::FLOAT8 => Val::Real(f64::from_be_bytes(
                b.try_into()
                    .map_err(|_| "a float8 of the wrong size".to_string())?,
            )),
            Type::FLOAT4 => Val::Real(f64::from(f32::from_be_bytes(
                b.try_into()
                    .map_err(|_| "a float4 of the wrong size".to_string())?,
            ))),
            Type::NUMERIC => numeric_val(b)?,
            Type::BYTEA => Val::Blob(b),
            ref ty if is_text(ty) => Val::Text(std::str::from_utf8(b).map_err(|e| e.to_string())?),
            ref ty => return Err(format!("a column of type {ty} cannot be read")),
        })
    }
}

/// An integral `numeric` (what `sum()` of integers gives) as an integer;
/// any other as a real.
fn numeric_val(b: &[u8]) -> std::result::Result<Val<'static>, String> {
    let word = |i: usize| -> std::result::Result<i64, String> {
        b.get(i * 2..i * 2 + 2)
            .map(|w| i64::from(i16::from_be_bytes([w[0], w[1]])))
            .ok_or_else(|| "a short numeric".to_string())
    };
    let ndigits = usize::try_from(word(0)?).map_err(|e| e.to_string())?;
    let weight = word(1)?;
    let sign = word(2)? as u16;
    if sign == 0xC000 {
        return Ok(Val::Real(f64::NAN));
    }
    let mut int: i128 = 0;
    let mut frac = 0f64;
    for d in 0..ndigits {
        let digit = word(4 + d)?;
        let power = weight - i64::try_from(d).map_err(|e| e.to_string())?;
        if power >= 0 {
            int = int * 10_000 + i128::from(digit);
        } else {
            frac += digit as f64 * 10_000f64.powi(i32::try_from(power).unwrap_or(i32::MIN));
        }
    }
    // Trailing zero groups are not sent: scale the integer part up.
    let last_power = weight - i64::try_from(ndigits).unwrap_or(0) + 1;
    if ndigits > 0 && last_power > 0 {
        for _ in 0..last_power {
            int *= 10_000;
        }
    }
    let negative = sign == 0x4000;
    if frac == 0.0 {
        let v = i64::try_from(int).map_err(|e| e.to_string())?;
        Ok(Val::Int(if negative { -v } else { v }))
    } else {
        let v = int as f64 + frac;
        Ok(Val::Real(if negative { -v } else { v }))
    }
}

/// A PostgreSQL connection with its prepared statements.
pub struct PgConn {
    /// Always `Some` but while being dropped.
    client: RefCell<Option<postgres::Client>>,
    prepared: RefCell<HashMap<String, postgres::Statement>>,
}

impl Drop for PgConn {
    /// The client closes by running its own small runtime, which cannot
    /// start on a thread that drives async tasks (where the last handle on
    /// a pool may be dropped): it is closed on a thread of its own.
    fn drop(&mut self) {
        if let Some(client) = self.client.get_mut().take() {
            let _ = std::thread::Builder::new()
                .name("causerie-pg-close".into())
                .spawn(move || drop(client));
        }
    }
}

impl fmt::Debug for PgConn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PgConn")
    }
}

impl PgConn {
    pub fn new(client: postgres::Client) -> Self {
        Self {
            client: RefCell::new(Some(client)),
            prepared: RefCell::new(HashMap::new()),
        }
    }

    /// Runs `f` between `begin` (a `BEGIN ...` statement) and `COMMIT`
    /// when it returns `Ok`; `ROLLBACK` when it returns an error or panics,
    /// so a connection goes back to its pool outside any transaction.
    pub fn transaction<T, E: From<Error>>(
        &self,
        begin: &str,
        f: impl FnOnce() -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        self.client().batch_execute(begin).map_err(Error::from)?;
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
            Ok(Ok(out)) => {
                self.client().batch_execute("COMMIT").map_err(Error::from)?;
                Ok(out)
            }
            Ok(Err(e)) => {
                let _ = self.client().batch_execute("ROLLBACK");
                Err(e)
            }
            Err(panic) => {
                let _ = self.client().batch_execute("ROLLBACK");
                std::panic::resume_unwind(panic)
            }
        }
    }

    /// The client, for what only PostgreSQL does (LISTEN, COPY).
    pub fn client(&self) -> std::cell::RefMut<'_, postgres::Client> {
        std::cell::RefMut::map(self.client.borrow_mut(), |c| {
            c.as_mut().expect("a connection is open until dropped")
        })
    }

    fn statement(&self, sql: &str, cache: bool) -> Result<postgres::Statement> {
        if let Some(s) = self.prepared.borrow().get(sql) {
            return Ok(s.clone());
        }
        let stmt = self.client().prepare(&to_postgres(sql)).inspect_err(|e| {
            tracing::error!(error = %pg_message(e), sql = %to_postgres(sql), "PostgreSQL refused a statement");
        })?;
        if cache {
            let mut prepared = self.prepared.borrow_mut();
            // Statements are written in the code, so few; a bound all the same.
            if prepared.len() >= 1024 {
                prepared.clear();
            }
            prepared.insert(sql.to_owned(), stmt.clone());
        }
        Ok(stmt)
    }

    fn run(&self, stmt: &postgres::Statement, params: &[Param<'_>]) -> Result<Vec<postgres::Row>> {
        let refs: Vec<&(dyn PgToSql + Sync)> =
            params.iter().map(|p| p as &(dyn PgToSql + Sync)).collect();
        Ok(self.client().query(stmt, &refs)?)
    }

    fn exec(&self, stmt: &postgres::Statement, params: &[Param<'_>]) -> Result<usize> {
        let refs: Vec<&(dyn PgToSql + Sync)> =
            params.iter().map(|p| p as &(dyn PgToSql + Sync)).collect();
        let n = self.client().execute(stmt, &refs)?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }
}

/// SQL written for both engines, as PostgreSQL takes it: placeholders
/// (`to_dollars`), SQLite's index hints (`INDEXED BY name`) dropped (the
/// planner chooses), and the two-argument `max(a, b)` / `min(a, b)`, which
/// are SQLite's scalar functions, as `greatest` / `least`.
pub fn to_postgres(sql: &str) -> String {
    let sql = to_dollars(sql);
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql.as_str();
    while let Some(at) = rest.find("INDEXED BY ") {
        out.push_str(&rest[..at]);
        let after = &rest[at + "INDEXED BY ".len()..];
        let name_len = after
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        rest = &after[name_len..];
    }
    out.push_str(rest);
    scalar_extremes(&out)
}

/// `max(a, b)` as `greatest(a, b)` and `min(a, b)` as `least(a, b)`: a
/// call whose parentheses hold a comma at their own level.
fn scalar_extremes(sql: &str) -> String {
    let bytes = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let mut i = 0;
    while i < bytes.len() {
        let word_start = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        let head = sql[i..].get(..4).map(str::to_ascii_lowercase);
        if word_start && matches!(head.as_deref(), Some("max(") | Some("min(")) {
            let mut depth = 0;
            let mut comma = false;
            for &b in &bytes[i + 3..] {
                match b {
                    b'(' => depth += 1,
                    b')' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    b',' if depth == 1 => comma = true,
                    _ => {}
                }
            }
            if comma {
                out.push_str(if head.as_deref() == Some("max(") {
                    "greatest("
                } else {
                    "least("
                });
                i += 4;
                continue;
            }
        }
        let ch = sql[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// `?1` placeholders as PostgreSQL's `$1`, a bare `?` numbered in order;
/// string literals and quoted names left alone.
pub fn to_dollars(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut next = 1;
    let mut quote: Option<char> = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                out.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(c);
            }
            None if c == '?' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                    digits.push(d);
                    chars.next();
                }
                out.push('$');
                if digits.is_empty() {
                    out.push_str(&next.to_string());
                    next += 1;
                } else {
                    out.push_str(&digits);
                }
            }
            None => out.push(c),
        }
    }
    out
}

/// A connection of either engine, as queries see it.
#[derive(Clone, Copy)]
pub enum Conn<'a> {
    Lite(&'a rusqlite::Connection),
    Pg(&'a PgConn),
}

impl<'a> Conn<'a> {
    /// Whether this is PostgreSQL.
    pub fn is_pg(&self) -> bool {
        matches!(self, Conn::Pg(_))
    }

    /// The SQL for this engine: `lite` on SQLite, `pg` on PostgreSQL.
    pub fn pick<T>(&self, lite: T, pg: T) -> T {
        if self.is_pg() { pg } else { lite }
    }

    /// A statement, prepared once per connection.
    pub fn prepare_cached(&self, sql: &str) -> Result<Stmt<'a>> {
        match *self {
            Conn::Lite(c) => Ok(Stmt::Lite(LiteStmt::Cached(c.prepare_cached(sql)?))),
            Conn::Pg(c) => Ok(Stmt::Pg(c, c.statement(sql, true)?)),
        }
    }

    /// A statement for one use.
    pub fn prepare(&self, sql: &str) -> Result<Stmt<'a>> {
        match *self {
            Conn::Lite(c) => Ok(Stmt::Lite(LiteStmt::Once(c.prepare(sql)?))),
            Conn::Pg(c) => Ok(Stmt::Pg(c, c.statement(sql, false)?)),
        }
    }

    /// Runs a statement; the count of rows it changed.
    pub fn execute<P: Params>(&self, sql: &str, params: P) -> Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    /// The first row of a query, through `f`; `Error::NoRows` when none.
    pub fn query_row<T, P: Params, F>(&self, sql: &str, params: P, f: F) -> Result<T>
    where
        F: FnOnce(&Row<'_>) -> Result<T>,
    {
        self.prepare_cached(sql)?.query_row(params, f)
    }

    /// Several statements, no parameters, no rows.
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match *self {
            Conn::Lite(c) => Ok(c.execute_batch(sql)?),
            Conn::Pg(c) => Ok(c.client().batch_execute(sql)?),
        }
    }

    /// Runs `f` in one read transaction: one snapshot for all its reads.
    pub fn snapshot<T, E: From<Error>>(
        &self,
        f: impl for<'c> FnOnce(&Conn<'c>) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        match *self {
            Conn::Lite(c) => {
                let tx = c.unchecked_transaction().map_err(Error::from)?;
                let out = f(&Conn::Lite(&tx))?;
                tx.commit().map_err(Error::from)?;
                Ok(out)
            }
            Conn::Pg(c) => c.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", || {
                f(self)
            }),
        }
    }

    /// The SQLite connection, for what only SQLite does.
    pub fn lite(&self) -> Option<&'a rusqlite::Connection> {
        match *self {
            Conn::Lite(c) => Some(c),
            Conn::Pg(_) => None,
        }
    }
}

pub enum LiteStmt<'a> {
    Cached(rusqlite::CachedStatement<'a>),
    Once(rusqlite::Statement<'a>),
}

impl<'a> std::ops::DerefMut for LiteStmt<'a> {
    fn deref_mut(&mut self) -> &mut rusqlite::Statement<'a> {
        match self {
            LiteStmt::Cached(s) => s,
            LiteStmt::Once(s) => s,
        }
    }
}
impl<'a> std::ops::Deref for LiteStmt<'a> {
    type Target = rusqlite::Statement<'a>;
    fn deref(&self) -> &rusqlite::Statement<'a> {
        match self {
            LiteStmt::Cached(s) => s,
            LiteStmt::Once(s) => s,
        }
    }
}

/// A prepared statement of either engine.
pub enum Stmt<'a> {
    Lite(LiteStmt<'a>),
    Pg(&'a PgConn, postgres::Statement),
}

impl Stmt<'_> {
    /// Runs it; the count of rows it changed.
    pub fn execute<P: Params>(&mut self, params: P) -> Result<usize> {
        let params = params.params();
        match self {
            Stmt::Lite(s) => Ok(s.execute(rusqlite::params_from_iter(params.iter()))?),
            Stmt::Pg(c, s) => c.exec(s, &params),
        }
    }

    /// Every row, each through `f`.
    pub fn query_map<T, P: Params, F>(
        &mut self,
        params: P,
        mut f: F,
    ) -> Result<std::vec::IntoIter<Result<T>>>
    where
        F: FnMut(&Row<'_>) -> Result<T>,
    {
        let params = params.params();
        let mut out = Vec::new();
        match self {
            Stmt::Lite(s) => {
                let mut rows = s.query(rusqlite::params_from_iter(params.iter()))?;
                while let Some(r) = rows.next()? {
                    out.push(f(&Row::Lite(r)));
                }
            }
            Stmt::Pg(c, s) => {
                for r in c.run(s, &params)? {
                    out.push(f(&Row::Pg(&r)));
                }
            }
        }
        Ok(out.into_iter())
    }

    /// The first row through `f`; `Error::NoRows` when none.
    pub fn query_row<T, P: Params, F>(&mut self, params: P, f: F) -> Result<T>
    where
        F: FnOnce(&Row<'_>) -> Result<T>,
    {
        let params = params.params();
        match self {
            Stmt::Lite(s) => {
                let mut rows = s.query(rusqlite::params_from_iter(params.iter()))?;
                match rows.next()? {
                    Some(r) => f(&Row::Lite(r)),
                    None => Err(Error::NoRows),
                }
            }
            Stmt::Pg(c, s) => match c.run(s, &params)?.first() {
                Some(r) => f(&Row::Pg(r)),
                None => Err(Error::NoRows),
            },
        }
    }

    /// Rows through `f` until it answers `false` (SQLite reads no further).
    pub fn for_each<P: Params, F>(&mut self, params: P, mut f: F) -> Result<()>
    where
        F: FnMut(&Row<'_>) -> Result<bool>,
    {
        let params = params.params();
        match self {
            Stmt::Lite(s) => {
                let mut rows = s.query(rusqlite::params_from_iter(params.iter()))?;
                while let Some(r) = rows.next()? {
                    if !f(&Row::Lite(r))? {
                        break;
                    }
                }
            }
            Stmt::Pg(c, s) => {
                for r in c.run(s, &params)? {
                    if !f(&Row::Pg(&r))? {
                        break;
                    }
                }
            }
        }
        Ok(())
    }

    /// Whether it returns a row.
    pub fn exists<P: Params>(&mut self, params: P) -> Result<bool> {
        self.query_row(params, |_| Ok(()))
            .optional()
            .map(|r| r.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_dollars_outside_quotes() {
        assert_eq!(
            to_dollars("SELECT ?1, '?2', \"a?\" FROM t WHERE a = ?12 AND b = ?"),
            "SELECT $1, '?2', \"a?\" FROM t WHERE a = $12 AND b = $1"
        );
    }

    #[test]
    fn sqlite_isms_become_postgres() {
        assert_eq!(
            to_postgres(
                "SELECT max(a, coalesce(b, 0)), max(c), MIN(x,y) FROM t INDEXED BY t_by_a WHERE id = ?1"
            ),
            "SELECT greatest(a, coalesce(b, 0)), max(c), least(x,y) FROM t  WHERE id = $1"
        );
    }

    #[test]
    fn integral_numerics_read_as_integers() {
        let mut buf = BytesMut::new();
        for n in [
            0i64,
            1,
            -1,
            9_999,
            10_000,
            123_456_789,
            -40_000,
            i64::MAX / 7,
        ] {
            buf.clear();
            numeric(n, &mut buf).unwrap();
            match numeric_val(&buf).unwrap() {
                Val::Int(v) => assert_eq!(v, n),
                other => panic!("{n}: {other:?}"),
            }
        }
    }
}
