package freshet.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The little JSON the query file holds, read without a dependency: objects (as Map), arrays (as
 * List), strings, numbers (as Double), true, false and null. Not thread-safe (one per text).
 */
final class Json {
  private final String text;
  private final String where;
  private int at;

  private Json(String text, String where) {
    this.text = text;
    this.where = where;
  }

  /** The value of {@code text}; IOException naming {@code where} and the offset otherwise. */
  static Object parse(String text, String where) throws IOException {
    Json j = new Json(text, where);
    Object v = j.value();
    j.skipSpace();
    if (j.at != text.length()) throw j.error("trailing characters");
    return v;
  }

  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }

  private IOException error(String what) {
    return new IOException(where + ": offset " + at + ": " + what);
  }

  private void skipSpace() {
    while (at < text.length() && Character.isWhitespace(text.charAt(at))) ++at;
  }

  private boolean take(char c) {
    skipSpace();
    if (at < text.length() && text.charAt(at) == c) {
      ++at;
      return true;
    }
    return false;
  }

  private void expect(char c) throws IOException {
    if (!take(c)) throw error("expected '" + c + "'");
  }

  private Object value() throws IOException {
    skipSpace();
    if (at >= text.length()) throw error("unexpected end");
    char c = text.charAt(at);
    if (c == '{') {
      ++at;
      Map<String, Object> m = new LinkedHashMap<>();
      if (take('}')) return m;
      do {
        skipSpace();
        String key = string();
        expect(':');
        m.put(key, value());
      } while (take(','));
      expect('}');
      return m;
    }
    if (c == '[') {
      ++at;
      List<Object> l = new ArrayList<>();
      if (take(']')) return l;
      do {
        l.add(value());
      } while (take(','));
      expect(']');
      return l;
    }
    if (c == '"') return string();
    for (String word : new String[] {"true", "false", "null"}) {
      if (text.startsWith(word, at)) {
        at += word.length();
        return word.equals("null") ? null : Boolean.valueOf(word);
      }
    }
    int start = at;
    while (at < text.length() && "+-0123456789.eE".indexOf(text.charAt(at)) >= 0) ++at;
    if (start == at) throw error("unexpected '" + c + "'");
    return Double.valueOf(text.substring(start, at));
  }

  private String string() throws IOException {
    if (at >= text.length() || text.charAt(at) != '"') throw error("expected a string");
    StringBuilder b = new StringBuilder();
    for (++at; at < text.length(); ++at) {
      char c = text.charAt(at);
      if (c == '"') {
        ++at;
        return b.toString();
      }
      if (c == '\\') {
        if (++at >= text.length()) break;
        char e = text.charAt(at);
        switch (e) {
          case 'n' -> b.append('\n');
          case 't' -> b.append('\t');
          case 'r' -> b.append('\r');
          case 'b' -> b.append('\b');
          case 'f' -> b.append('\f');
          case 'u' -> {
            if (at + 4 >= text.length()) throw error("truncated \\u escape");
            b.append((char) Integer.parseInt(text.substring(at + 1, at + 5), 16));
            at += 4;
          }
          default -> b.append(e);
        }
      } else {
        b.append(c);
      }
    }
    throw error("unterminated string");
  }
}
