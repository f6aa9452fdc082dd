#include "index/query.h"

#include <fmt/format.h>

#include <limits>
#include <optional>

#include "format/number.h"

namespace freshet {
namespace {

struct Token {
  enum class Kind {
    kWord,
    kQuoted,
    kLParen,
    kRParen,
    kAnd,
    kOr,
    kNot,
    kMinus,
    kColon,
    kRange,
    kEnd
  };
  Kind kind;
  std::string text;
  size_t offset;
};

bool IsWordChar(char c) {
  return !(c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '(' || c == ')' || c == '"' ||
           c == ':' || c == '[');
}

Result<std::vector<Token>> Lex(std::string_view q) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < q.size()) {
    char c = q[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
    } else if (c == '(') {
      out.push_back({Token::Kind::kLParen, "(", i++});
    } else if (c == ')') {
      out.push_back({Token::Kind::kRParen, ")", i++});
    } else if (c == ':') {
      out.push_back({Token::Kind::kColon, ":", i++});
    } else if (c == '"') {
      size_t start = i++;
      std::string text;
      while (i < q.size() && q[i] != '"') {
        if (q[i] == '\\' && i + 1 < q.size()) ++i;
        text += q[i++];
      }
      if (i >= q.size()) {
        return Status::InvalidArgument(fmt::format("query: unclosed quote at offset {}", start));
      }
      ++i;
      out.push_back({Token::Kind::kQuoted, std::move(text), start});
    } else if (c == '[') {
      size_t start = i;
      size_t close = q.find(']', i);
      if (close == std::string_view::npos) {
        return Status::InvalidArgument(fmt::format("query: unclosed '[' at offset {}", start));
      }
      out.push_back({Token::Kind::kRange, std::string(q.substr(i + 1, close - i - 1)), start});
      i = close + 1;
    } else if (c == '-' && (out.empty() || out.back().kind != Token::Kind::kColon) &&
               i + 1 < q.size() && IsWordChar(q[i + 1]) && q[i + 1] != '-') {
      out.push_back({Token::Kind::kMinus, "-", i++});
    } else {
      size_t start = i;
      while (i < q.size() && IsWordChar(q[i])) ++i;
      std::string word(q.substr(start, i - start));
      Token::Kind kind = Token::Kind::kWord;
      // After "field:" a word is the value, whatever it spells.
      const bool value = !out.empty() && out.back().kind == Token::Kind::kColon;
      if (!value && word == "AND") kind = Token::Kind::kAnd;
      if (!value && word == "OR") kind = Token::Kind::kOr;
      if (!value && word == "NOT") kind = Token::Kind::kNot;
      out.push_back({kind, std::move(word), start});
    }
  }
  out.push_back({Token::Kind::kEnd, "", q.size()});
  return out;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Result<std::unique_ptr<QueryNode>> Parse() {
    ASSIGN_OR_RETURN(auto node, ParseOr(0));
    if (Peek().kind != Token::Kind::kEnd) return Error("unexpected", Peek());
    return node;
  }

 private:
  const Token& Peek() const { return tokens_[pos_]; }
  const Token& Next() { return tokens_[pos_++]; }
  Status Error(std::string_view what, const Token& t) const {
    std::string shown = t.kind == Token::Kind::kEnd ? "end of query" : "'" + t.text + "'";
    return Status::InvalidArgument(fmt::format("query: {} {} at offset {}", what, shown, t.offset));
  }

  Result<std::unique_ptr<QueryNode>> ParseOr(size_t depth) {
    if (depth > kMaxQueryDepth) {
      return Status::InvalidArgument(
          fmt::format("query: nested deeper than {} levels", kMaxQueryDepth));
    }
    ASSIGN_OR_RETURN(auto first, ParseAnd(depth));
    if (Peek().kind != Token::Kind::kOr) return first;
    auto node = std::make_unique<QueryNode>();
    node->kind = QueryNode::Kind::kOr;
    node->children.push_back(std::move(first));
    while (Peek().kind == Token::Kind::kOr) {
      Next();
      ASSIGN_OR_RETURN(auto child, ParseAnd(depth));
      node->children.push_back(std::move(child));
    }
    return node;
  }

  Result<std::unique_ptr<QueryNode>> ParseAnd(size_t depth) {
    ASSIGN_OR_RETURN(auto first, ParseUnary(depth));
    auto starts_unary = [&]() {
      auto k = Peek().kind;
      return k == Token::Kind::kWord || k == Token::Kind::kQuoted || k == Token::Kind::kLParen ||
             k == Token::Kind::kNot || k == Token::Kind::kMinus;
    };
    if (Peek().kind != Token::Kind::kAnd && !starts_unary()) return first;
    auto node = std::make_unique<QueryNode>();
    node->kind = QueryNode::Kind::kAnd;
    node->children.push_back(std::move(first));
    while (Peek().kind == Token::Kind::kAnd || starts_unary()) {
      if (Peek().kind == Token::Kind::kAnd) Next();
      ASSIGN_OR_RETURN(auto child, ParseUnary(depth));
      node->children.push_back(std::move(child));
    }
    return node;
  }

  Result<std::unique_ptr<QueryNode>> ParseUnary(size_t depth) {
    if (depth > kMaxQueryDepth) {
      return Status::InvalidArgument(
          fmt::format("query: nested deeper than {} levels", kMaxQueryDepth));
    }
    if (Peek().kind == Token::Kind::kNot || Peek().kind == Token::Kind::kMinus) {
      Next();
      ASSIGN_OR_RETURN(auto child, ParseUnary(depth + 1));
      auto node = std::make_unique<QueryNode>();
      node->kind = QueryNode::Kind::kNot;
      node->children.push_back(std::move(child));
      return node;
    }
    if (Peek().kind == Token::Kind::kLParen) {
      Next();
      ASSIGN_OR_RETURN(auto inner, ParseOr(depth + 1));
      if (Peek().kind != Token::Kind::kRParen) return Error("expected ')' but found", Peek());
      Next();
      return inner;
    }
    return ParseTerm();
  }

  Result<std::unique_ptr<QueryNode>> ParseTerm() {
    const Token& t = Next();
    if (t.kind != Token::Kind::kWord && t.kind != Token::Kind::kQuoted) {
      return Error("expected a term but found", t);
    }
    if (++terms_ > kMaxQueryTerms) {
      return Status::InvalidArgument(fmt::format("query: more than {} terms", kMaxQueryTerms));
    }
    auto node = std::make_unique<QueryNode>();
    if (t.kind == Token::Kind::kWord && t.text == "*") {
      node->kind = QueryNode::Kind::kAll;
      return node;
    }
    node->kind = QueryNode::Kind::kTerm;
    if (t.kind == Token::Kind::kWord && Peek().kind == Token::Kind::kColon) {
      Next();
      node->field = t.text;
      const Token& v = Next();
      if (v.kind == Token::Kind::kRange) return ParseRange(std::move(node), v);
      if (v.kind != Token::Kind::kWord && v.kind != Token::Kind::kQuoted) {
        return Error(fmt::format("expected a value for field '{}' but found", node->field), v);
      }
      node->text = v.text;
      node->quoted = v.kind == Token::Kind::kQuoted;
      return node;
    }
    node->text = t.text;
    node->quoted = t.kind == Token::Kind::kQuoted;
    return node;
  }

  Result<std::unique_ptr<QueryNode>> ParseRange(std::unique_ptr<QueryNode> node, const Token& t) {
    node->kind = QueryNode::Kind::kRange;
    std::string_view body = t.text;
    size_t to = body.find(" TO ");
    if (to == std::string_view::npos) return Error("expected '[LOW TO HIGH]' but found", t);
    auto bound = [&](std::string_view s, double open, double* out) -> bool {
      while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
      while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
      if (s == "*") {
        *out = open;
        return true;
      }
      std::optional<double> number = ParseNumber(s);
      if (number) *out = *number;
      return number.has_value();
    };
    constexpr double kInf = std::numeric_limits<double>::infinity();
    if (!bound(body.substr(0, to), -kInf, &node->lo) ||
        !bound(body.substr(to + 4), kInf, &node->hi)) {
      return Error("range bounds must be numbers (as JSON writes them) or '*' in", t);
    }
    return node;
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  size_t terms_ = 0;
};

}  // namespace

std::string QueryNode::ToString() const {
  auto join = [&](std::string_view op) {
    std::string out = "(";
    for (size_t i = 0; i < children.size(); ++i) {
      if (i) out += fmt::format(" {} ", op);
      out += children[i]->ToString();
    }
    return out + ")";
  };
  switch (kind) {
    case Kind::kAll:
      return "*";
    case Kind::kTerm:
      return field.empty() ? fmt::format("\"{}\"", text) : fmt::format("{}:\"{}\"", field, text);
    case Kind::kRange:
      return fmt::format("{}:[{} TO {}]", field, lo, hi);
    case Kind::kAnd:
      return join("AND");
    case Kind::kOr:
      return join("OR");
    case Kind::kNot:
      return "NOT " + children[0]->ToString();
  }
  return "?";
}

Result<std::unique_ptr<QueryNode>> ParseQuery(std::string_view query) {
  if (query.size() > kMaxQueryBytes) {
    return Status::InvalidArgument(
        fmt::format("query: {} bytes exceeds the limit of {}", query.size(), kMaxQueryBytes));
  }
  ASSIGN_OR_RETURN(auto tokens, Lex(query));
  if (tokens.size() == 1) return Status::InvalidArgument("query: empty");
  Parser parser(std::move(tokens));
  return parser.Parse();
}

}  // namespace freshet
