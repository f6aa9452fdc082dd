package freshet.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.util.CharTokenizer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.DoubleDocValuesField;
import org.apache.lucene.document.DoubleField;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.IndexOptions;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.AttributeFactory;
import org.apache.lucene.util.BytesRef;

/**
 * Indexes freshet's benchmark documents with Lucene and prints one JSON line of figures. A
 * benchmark peer: bench/run_all.py runs it beside freshet.
 *
 * <pre>java -jar lucene-peer.jar DOCS.tsv INDEX_DIR THREADS
 * java -jar lucene-peer.jar query DOCS.tsv INDEX_DIR QUERIES.jsonl PASSES</pre>
 *
 * <p>DOCS.tsv: one document per line, tab-separated, in the order of {@link #COLUMNS}
 * (bench/peers/export_docs.py writes it). The input is read into memory first; the timed part
 * is parsing the lines, indexing on THREADS threads (each adds every THREADS-th line) and the
 * commit (merges included), as freshet's base build ends with its segments published.
 *
 * <p>Analysis as freshet's (src/index/analyzer.h): tokens are runs of letters and digits,
 * lowercased, at most 64 characters (Lucene splits a longer run, freshet cuts it; the generated
 * vocabulary has none). Postings keep doc ids and term frequencies, no positions and no norms,
 * as freshet's segments.
 *
 * <p>{@code query} mode (bench/query_bench.py): see {@link LuceneQueries}.
 */
public final class LucenePeer {
  static final String[] COLUMNS = {
    "ad_id", "item_id", "campaign_id", "title", "description", "keywords", "bid", "status",
    "item_title", "item_brand", "item_category", "item_price", "item_count", "item_min_bid",
    "item_max_bid"
  };
  static final Set<String> TEXT =
      Set.of("title", "description", "keywords", "item_title", "item_brand", "item_category");
  static final Set<String> KEYWORD =
      Set.of("ad_id", "item_id", "campaign_id", "status", "item_brand", "item_category");
  static final Set<String> NUMERIC =
      Set.of("bid", "item_price", "item_count", "item_min_bid", "item_max_bid");
  static final Set<String> STORED =
      Set.of(
          "ad_id", "item_id", "campaign_id", "title", "bid", "status", "item_title", "item_brand",
          "item_category", "item_price");
  static final int MAX_TOKEN = 64;

  static final FieldType TEXT_TYPE = new FieldType();

  /** As TEXT_TYPE, with norms: BM25 needs each field's length, which freshet's segments record. */
  static final FieldType SCORED_TEXT_TYPE = new FieldType();

  static {
    TEXT_TYPE.setIndexOptions(IndexOptions.DOCS_AND_FREQS);
    TEXT_TYPE.setTokenized(true);
    TEXT_TYPE.setOmitNorms(true);
    TEXT_TYPE.freeze();
    SCORED_TEXT_TYPE.setIndexOptions(IndexOptions.DOCS_AND_FREQS);
    SCORED_TEXT_TYPE.setTokenized(true);
    SCORED_TEXT_TYPE.freeze();
  }

  /** freshet's analyzer: letter-or-digit runs, lowercased. */
  static final class FreshetAnalyzer extends Analyzer {
    @Override
    protected TokenStreamComponents createComponents(String field) {
      Tokenizer tokenizer =
          new CharTokenizer(AttributeFactory.DEFAULT_ATTRIBUTE_FACTORY, MAX_TOKEN) {
            @Override
            protected boolean isTokenChar(int c) {
              return Character.isLetterOrDigit(c);
            }
          };
      TokenStream stream = new LowerCaseFilter(tokenizer);
      return new TokenStreamComponents(tokenizer, stream);
    }
  }

  /**
   * One document of the TSV. {@code forQueries}: text with norms, numeric fields as {@link
   * DoubleField} (points for ranges, sorted-numeric doc values for sorting) and {@code ad_id} as
   * sorted doc values (hits in id order); otherwise the build benchmark's fields.
   */
  static Document toDocument(String line, boolean forQueries) {
    Document doc = new Document();
    String[] values = line.split("\t", -1);
    for (int c = 0; c < COLUMNS.length && c < values.length; ++c) {
      String name = COLUMNS[c];
      String v = values[c];
      if (v.isEmpty()) continue;
      if (TEXT.contains(name)) {
        doc.add(new Field(name, v, forQueries ? SCORED_TEXT_TYPE : TEXT_TYPE));
      }
      if (KEYWORD.contains(name)) doc.add(new StringField(name + ".kw", v, Field.Store.NO));
      if (forQueries && name.equals("ad_id")) doc.add(new SortedDocValuesField(name, new BytesRef(v)));
      if (NUMERIC.contains(name)) {
        double d = Double.parseDouble(v);
        doc.add(forQueries ? new DoubleField(name, d, Field.Store.NO) : new DoubleDocValuesField(name, d));
        if (STORED.contains(name)) doc.add(new StoredField(name, d));
      } else if (STORED.contains(name)) {
        doc.add(new StoredField(name, v));
      }
    }
    return doc;
  }

  public static void main(String[] args) throws Exception {
    if (args.length == 5 && args[0].equals("query")) {
      List<String> lines = Files.readAllLines(Path.of(args[1]), StandardCharsets.UTF_8);
      long start = System.nanoTime();
      build(lines, Path.of(args[2]), 1, true);
      double seconds = (System.nanoTime() - start) / 1e9;
      LuceneQueries.run(Path.of(args[2]), lines.size(), seconds, Path.of(args[3]),
          Integer.parseInt(args[4]));
      return;
    }
    if (args.length != 3) {
      System.err.println(
          "usage: lucene-peer DOCS.tsv INDEX_DIR THREADS\n"
              + "       lucene-peer query DOCS.tsv INDEX_DIR QUERIES.jsonl PASSES");
      System.exit(2);
    }
    int threads = Integer.parseInt(args[2]);
    List<String> lines = Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8);
    long inputBytes = Files.size(Path.of(args[0]));
    Path dir = Path.of(args[1]);

    long start = System.nanoTime();
    build(lines, dir, threads, false);
    double seconds = (System.nanoTime() - start) / 1e9;

    long indexBytes = 0;
    int files = 0;
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        indexBytes += Files.size(p);
        ++files;
      }
    }
    System.out.printf(
        java.util.Locale.ROOT,
        "{\"engine\":\"lucene\",\"threads\":%d,\"docs\":%d,\"input_bytes\":%d,\"seconds\":%.3f,"
            + "\"index_bytes\":%d,\"files\":%d}%n",
        threads, lines.size(), inputBytes, seconds, indexBytes, files);
  }

  /**
   * Creates {@code dir} afresh and indexes {@code lines} on {@code threads} threads (each adds
   * every THREADS-th line), then commits (merges included).
   */
  static void build(List<String> lines, Path dir, int threads, boolean forQueries)
      throws Exception {
    deleteTree(dir);
    Files.createDirectories(dir);
    IndexWriterConfig config = new IndexWriterConfig(new FreshetAnalyzer());
    config.setRAMBufferSizeMB(256);
    config.setOpenMode(IndexWriterConfig.OpenMode.CREATE);
    try (IndexWriter writer = new IndexWriter(FSDirectory.open(dir), config)) {
      List<Thread> workers = new ArrayList<>();
      AtomicInteger failures = new AtomicInteger();
      for (int t = 0; t < threads; ++t) {
        final int first = t;
        Thread worker =
            new Thread(
                () -> {
                  try {
                    for (int i = first; i < lines.size(); i += threads) {
                      writer.addDocument(toDocument(lines.get(i), forQueries));
                    }
                  } catch (IOException e) {
                    e.printStackTrace();
                    failures.incrementAndGet();
                  }
                });
        worker.start();
        workers.add(worker);
      }
      for (Thread w : workers) w.join();
      if (failures.get() > 0) throw new IOException("indexing failed");
      writer.commit();
    }
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }
}
