//! Indexes freshet's benchmark documents with Tantivy and prints one JSON line
//! of figures. A benchmark peer: bench/run_all.py runs it beside freshet.
//!
//!     tantivy-peer DOCS.tsv INDEX_DIR THREADS
//!     tantivy-peer query DOCS.tsv INDEX_DIR QUERIES.jsonl PASSES
//!
//! DOCS.tsv: one document per line, tab-separated, in the column order of
//! `COLUMNS` (bench/peers/export_docs.py writes it). The input is read into
//! memory first; the timed part is parsing the lines, indexing, and the
//! commit (segments merged as Tantivy's default merge policy decides, then
//! waited for), as freshet's base build ends with its segments published.
//!
//! Analysis as freshet's (src/index/analyzer.h): tokens are runs of letters
//! and digits, lowercased; freshet cuts tokens at 64 bytes, Tantivy drops
//! longer ones (the generated vocabulary has none). Postings keep doc ids and
//! term frequencies, no positions and no field norms, as freshet's segments.
//!
//! `query` mode (bench/query_bench.py) indexes DOCS.tsv on one thread with
//! field norms (BM25 needs each field's length, which freshet's segments
//! record) and `ad_id.kw` as a fast field (hits in id order), then runs the
//! query file: see query.rs.

use std::time::Instant;

use tantivy::schema::Field;
use tantivy::schema::{
    IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, FAST, STORED, STRING,
};
use tantivy::tokenizer::{LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer};
use tantivy::{Index, IndexWriter, TantivyDocument};

mod query;

const COLUMNS: [&str; 15] = [
    "ad_id",
    "item_id",
    "campaign_id",
    "title",
    "description",
    "keywords",
    "bid",
    "status",
    "item_title",
    "item_brand",
    "item_category",
    "item_price",
    "item_count",
    "item_min_bid",
    "item_max_bid",
];
pub const TEXT: [&str; 6] = [
    "title",
    "description",
    "keywords",
    "item_title",
    "item_brand",
    "item_category",
];
const KEYWORD: [&str; 6] = [
    "ad_id",
    "item_id",
    "campaign_id",
    "status",
    "item_brand",
    "item_category",
];
const NUMERIC: [&str; 5] = [
    "bid",
    "item_price",
    "item_count",
    "item_min_bid",
    "item_max_bid",
];
const STORED_COLUMNS: [&str; 10] = [
    "ad_id",
    "item_id",
    "campaign_id",
    "title",
    "bid",
    "status",
    "item_title",
    "item_brand",
    "item_category",
    "item_price",
];

/// The schema fields of one column: text, keyword, numeric and stored-only.
pub struct ColumnFields {
    pub text: Option<Field>,
    pub keyword: Option<Field>,
    pub numeric: Option<Field>,
    pub stored_only: Option<Field>,
}

/// One schema field per (column, role): text and keyword roles of the same
/// column are two Tantivy fields, as a column with both roles has both kinds
/// of terms in freshet. `for_queries`: field norms on, `ad_id.kw` fast.
fn schema(for_queries: bool) -> (Schema, Vec<ColumnFields>) {
    let text_indexing = TextFieldIndexing::default()
        .set_tokenizer("freshet")
        .set_index_option(IndexRecordOption::WithFreqs)
        .set_fieldnorms(for_queries);
    let mut builder = Schema::builder();
    let mut fields = Vec::new();
    for c in COLUMNS {
        let stored = STORED_COLUMNS.contains(&c);
        let numeric = NUMERIC.contains(&c);
        let text = TEXT.contains(&c).then(|| {
            let mut o = TextOptions::default().set_indexing_options(text_indexing.clone());
            if stored && !numeric {
                o = o.set_stored();
            }
            builder.add_text_field(c, o)
        });
        let keyword = KEYWORD.contains(&c).then(|| {
            let stored_here = stored && text.is_none();
            let mut o = if stored_here { STRING | STORED } else { STRING };
            if for_queries && c == "ad_id" {
                o = o | FAST;
            }
            builder.add_text_field(&format!("{c}.kw"), o)
        });
        let num = numeric.then(|| {
            let o: NumericOptions = if stored {
                (FAST | STORED).into()
            } else {
                FAST.into()
            };
            builder.add_f64_field(c, o)
        });
        let stored_only = (stored && text.is_none() && keyword.is_none() && num.is_none())
            .then(|| builder.add_text_field(c, STORED));
        fields.push(ColumnFields {
            text,
            keyword,
            numeric: num,
            stored_only,
        });
    }
    (builder.build(), fields)
}

/// Creates INDEX_DIR afresh and indexes every line of `input` on `threads`
/// threads; returns (docs, seconds of parsing, indexing and commit).
fn build(
    input: &str,
    dir: &str,
    threads: usize,
    for_queries: bool,
) -> tantivy::Result<(Index, u64, f64)> {
    let (schema, fields) = schema(for_queries);
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir)?;
    let index = Index::create_in_dir(dir, schema)?;
    register_tokenizer(&index);

    let start = Instant::now();
    let mut writer: IndexWriter = index.writer_with_num_threads(threads, threads * 200_000_000)?;
    let mut docs: u64 = 0;
    for line in input.lines() {
        let mut doc = TantivyDocument::default();
        for (value, f) in line.split('\t').zip(fields.iter()) {
            if value.is_empty() {
                continue;
            }
            if let Some(f) = f.text {
                doc.add_text(f, value);
            }
            if let Some(f) = f.keyword {
                doc.add_text(f, value);
            }
            if let Some(f) = f.numeric {
                doc.add_f64(f, value.parse().expect("a number"));
            }
            if let Some(f) = f.stored_only {
                doc.add_text(f, value);
            }
        }
        writer.add_document(doc)?;
        docs += 1;
    }
    writer.commit()?;
    writer.wait_merging_threads()?;
    Ok((index, docs, start.elapsed().as_secs_f64()))
}

/// freshet's analyzer: letter-or-digit runs, lowercased.
fn register_tokenizer(index: &Index) {
    index.tokenizers().register(
        "freshet",
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(65))
            .filter(LowerCaser)
            .build(),
    );
}

fn main() -> tantivy::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 6 && args[1] == "query" {
        let passes: usize = args[5].parse().expect("PASSES: a positive integer");
        let input = std::fs::read_to_string(&args[2])?;
        let (index, docs, seconds) = build(&input, &args[3], 1, true)?;
        drop(input);
        return query::run(&index, docs, seconds, &args[4], passes);
    }
    if args.len() != 4 {
        eprintln!(
            "usage: {0} DOCS.tsv INDEX_DIR THREADS\n       {0} query DOCS.tsv INDEX_DIR QUERIES.jsonl PASSES",
            args[0]
        );
        std::process::exit(2);
    }
    let threads: usize = args[3].parse().expect("THREADS: a positive integer");
    let input = std::fs::read_to_string(&args[1])?;
    let (index, docs, seconds) = build(&input, &args[2], threads, false)?;

    let mut index_bytes: u64 = 0;
    for entry in std::fs::read_dir(&args[2])? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            index_bytes += entry.metadata()?.len();
        }
    }
    let segments = index.searchable_segment_ids()?.len();
    println!(
        "{{\"engine\":\"tantivy\",\"threads\":{threads},\"docs\":{docs},\"input_bytes\":{},\"seconds\":{seconds:.3},\"index_bytes\":{index_bytes},\"segments\":{segments}}}",
        input.len()
    );
    Ok(())
}
