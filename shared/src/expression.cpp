// Recursive-descent parser and evaluator for template conditions.
#include "fieldcheck/expression.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include "fieldcheck/text.h"

namespace fieldcheck {

namespace limits {
constexpr std::size_t kMaxExpressionBytes = 2000;
constexpr int kMaxNestingDepth = 32;
}  // namespace limits

enum class NodeKind { kLiteral, kName, kNot, kAnd, kOr, kCompare, kCall, kAdd, kSubtract };
enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe };

namespace {
constexpr std::int64_t kDayMs = 86'400'000;
// Days added to a date: beyond this (about 2,700 years) the result is unknown, not an overflow.
constexpr double kMaxDaysAdded = 1'000'000;
}  // namespace

struct ExpressionNode {
  NodeKind kind = NodeKind::kLiteral;
  Value literal;
  std::string name;  // kName: the name; kCall: the function
  CompareOp op = CompareOp::kEq;
  std::vector<std::shared_ptr<const ExpressionNode>> children;
};

namespace {

using NodePtr = std::shared_ptr<const ExpressionNode>;

struct Token {
  enum Kind { kEnd, kNumber, kString, kIdent, kOp, kLParen, kRParen, kComma } kind = kEnd;
  std::string text;
  std::size_t pos = 0;
};

struct ParseError {
  std::size_t pos;
  std::string en;
  std::string vi;
};

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) { advance(); }

  NodePtr parseAll() {
    auto node = parseOr(0);
    if (token_.kind != Token::kEnd) fail("unexpected '" + token_.text + "'", "thừa '" + token_.text + "'");
    return node;
  }

 private:
  [[noreturn]] void fail(const std::string& en, const std::string& vi) {
    throw ParseError{token_.pos, en, vi};
  }

  static bool isIdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
  static bool isIdentChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
  }

  // A '-' right after a value subtracts ("now() - 1"); elsewhere it starts a number ("= -1").
  bool afterOperand() const {
    switch (token_.kind) {
      case Token::kNumber:
      case Token::kString:
      case Token::kRParen: return true;
      case Token::kIdent:
        return !isKeyword(token_, "and") && !isKeyword(token_, "or") && !isKeyword(token_, "not");
      default: return false;
    }
  }

  void advance() {
    const bool after_operand = afterOperand();
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    token_ = Token{};
    token_.pos = pos_;
    if (pos_ >= text_.size()) return;
    const char c = text_[pos_];
    if (c == '(' || c == ')' || c == ',') {
      token_.kind = c == '(' ? Token::kLParen : c == ')' ? Token::kRParen : Token::kComma;
      token_.text = std::string(1, c);
      ++pos_;
    } else if (c == '\'' || c == '"') {
      ++pos_;
      std::string value;
      for (;;) {
        if (pos_ >= text_.size()) fail("text not closed with " + std::string(1, c),
                                       "chuỗi thiếu dấu đóng " + std::string(1, c));
        if (text_[pos_] == c) {
          // A doubled quote stands for one quote inside the text.
          if (pos_ + 1 < text_.size() && text_[pos_ + 1] == c) {
            value += c;
            pos_ += 2;
            continue;
          }
          ++pos_;
          break;
        }
        value += text_[pos_++];
      }
      token_.kind = Token::kString;
      token_.text = toNfc(value);
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               (c == '-' && !after_operand && pos_ + 1 < text_.size() &&
                std::isdigit(static_cast<unsigned char>(text_[pos_ + 1])))) {
      const std::size_t start = pos_++;
      while (pos_ < text_.size() &&
             (std::isdigit(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '.'))
        ++pos_;
      token_.kind = Token::kNumber;
      token_.text = std::string(text_.substr(start, pos_ - start));
    } else if (isIdentStart(c)) {
      const std::size_t start = pos_;
      while (pos_ < text_.size() && isIdentChar(text_[pos_])) ++pos_;
      token_.kind = Token::kIdent;
      token_.text = std::string(text_.substr(start, pos_ - start));
    } else {
      static constexpr std::string_view kOps[] = {"!=", "<>", "<=", ">=", "==", "=", "<", ">", "+", "-"};
      for (auto op : kOps) {
        if (text_.substr(pos_, op.size()) == op) {
          token_.kind = Token::kOp;
          token_.text = std::string(op);
          pos_ += op.size();
          return;
        }
      }
      token_.text = std::string(1, c);
      fail("unexpected character '" + token_.text + "'", "ký tự không hợp lệ '" + token_.text + "'");
    }
  }

  static bool isKeyword(const Token& t, std::string_view word) {
    if (t.kind != Token::kIdent || t.text.size() != word.size()) return false;
    for (std::size_t i = 0; i < word.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(t.text[i])) != word[i]) return false;
    return true;
  }

  void checkDepth(int depth) {
    if (depth > limits::kMaxNestingDepth) fail("expression nested too deeply", "biểu thức lồng quá sâu");
  }

  NodePtr binary(NodeKind kind, NodePtr lhs, NodePtr rhs) {
    auto node = std::make_shared<ExpressionNode>();
    node->kind = kind;
    node->children = {std::move(lhs), std::move(rhs)};
    return node;
  }

  // `depth` counts nesting a person wrote (parentheses, calls, "not"), which bounds recursion.
  NodePtr parseOr(int depth) {
    checkDepth(depth);
    auto lhs = parseAnd(depth);
    while (isKeyword(token_, "or")) {
      advance();
      lhs = binary(NodeKind::kOr, lhs, parseAnd(depth));
    }
    return lhs;
  }

  NodePtr parseAnd(int depth) {
    auto lhs = parseNot(depth);
    while (isKeyword(token_, "and")) {
      advance();
      lhs = binary(NodeKind::kAnd, lhs, parseNot(depth));
    }
    return lhs;
  }

  NodePtr parseNot(int depth) {
    if (isKeyword(token_, "not")) {
      checkDepth(depth + 1);
      advance();
      auto node = std::make_shared<ExpressionNode>();
      node->kind = NodeKind::kNot;
      node->children = {parseNot(depth + 1)};
      return node;
    }
    return parseCompare(depth);
  }

  static bool isAdditive(const Token& t) { return t.kind == Token::kOp && (t.text == "+" || t.text == "-"); }

  NodePtr parseSum(int depth) {
    auto lhs = parseOperand(depth);
    while (isAdditive(token_)) {
      const auto kind = token_.text == "+" ? NodeKind::kAdd : NodeKind::kSubtract;
      advance();
      lhs = binary(kind, lhs, parseOperand(depth));
    }
    return lhs;
  }

  NodePtr parseCompare(int depth) {
    auto lhs = parseSum(depth);
    if (token_.kind != Token::kOp) return lhs;
    if (isAdditive(token_)) fail("unexpected '" + token_.text + "'", "không mong đợi '" + token_.text + "'");
    auto node = std::make_shared<ExpressionNode>();
    node->kind = NodeKind::kCompare;
    const auto& op = token_.text;
    node->op = (op == "=" || op == "==") ? CompareOp::kEq
               : (op == "!=" || op == "<>") ? CompareOp::kNe
               : op == "<"                  ? CompareOp::kLt
               : op == "<="                 ? CompareOp::kLe
               : op == ">"                  ? CompareOp::kGt
                                            : CompareOp::kGe;
    advance();
    node->children = {lhs, parseSum(depth)};
    return node;
  }

  NodePtr literal(Value v) {
    auto node = std::make_shared<ExpressionNode>();
    node->kind = NodeKind::kLiteral;
    node->literal = std::move(v);
    advance();
    return node;
  }

  NodePtr parseOperand(int depth) {
    switch (token_.kind) {
      case Token::kNumber: {
        const auto& t = token_.text;
        if (t.find('.') == std::string::npos) {
          std::int64_t v = 0;
          auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
          if (ec != std::errc{} || end != t.data() + t.size())
            fail("bad number " + t, "số không hợp lệ " + t);
          return literal(Value{v});
        }
        char* end = nullptr;
        const double v = std::strtod(t.c_str(), &end);
        if (end != t.c_str() + t.size() || !std::isfinite(v))
          fail("bad number " + t, "số không hợp lệ " + t);
        return literal(Value{v});
      }
      case Token::kString: return literal(Value{token_.text});
      case Token::kLParen: {
        advance();
        auto inner = parseOr(depth + 1);
        if (token_.kind != Token::kRParen) fail("expected ')'", "thiếu ')'");
        advance();
        return inner;
      }
      case Token::kIdent: {
        if (isKeyword(token_, "true")) return literal(Value{true});
        if (isKeyword(token_, "false")) return literal(Value{false});
        if (isKeyword(token_, "null")) return literal(Value{});
        if (isKeyword(token_, "and") || isKeyword(token_, "or") || isKeyword(token_, "not"))
          fail("expected a value before '" + token_.text + "'",
               "thiếu giá trị trước '" + token_.text + "'");
        auto node = std::make_shared<ExpressionNode>();
        node->name = token_.text;
        advance();
        if (token_.kind != Token::kLParen) {
          node->kind = NodeKind::kName;
          return node;
        }
        node->kind = NodeKind::kCall;
        advance();
        if (token_.kind != Token::kRParen) {
          for (;;) {
            node->children.push_back(parseOr(depth + 1));
            if (token_.kind == Token::kComma) {
              advance();
              continue;
            }
            break;
          }
        }
        if (token_.kind != Token::kRParen) fail("expected ')' or ','", "thiếu ')' hoặc ','");
        checkCall(*node);
        advance();
        return node;
      }
      default:
        fail(token_.kind == Token::kEnd ? "expression ends too early" : "unexpected '" + token_.text + "'",
             token_.kind == Token::kEnd ? "biểu thức kết thúc sớm" : "không mong đợi '" + token_.text + "'");
    }
  }

  void checkCall(const ExpressionNode& call) {
    const auto& fn = call.name;
    const int want = fn == "selected"                                              ? 2
                     : (fn == "answered" || fn == "count" || fn == "lat" || fn == "lon") ? 1
                     : fn == "now"                                                 ? 0
                                                                                   : -1;
    if (want < 0)
      fail("unknown function " + fn + "() (known: selected, answered, count, lat, lon, now)",
           "không có hàm " + fn + "() (các hàm: selected, answered, count, lat, lon, now)");
    if (call.children.size() != static_cast<std::size_t>(want))
      fail(fn + "() takes " + std::to_string(want) + " argument(s)",
           fn + "() cần " + std::to_string(want) + " đối số");
    if (want > 0 && call.children[0]->kind != NodeKind::kName)
      fail(fn + "() needs a question id as its first argument",
           fn + "() cần mã câu hỏi làm đối số đầu");
    if (fn == "selected" && (call.children[1]->kind != NodeKind::kLiteral ||
                             !call.children[1]->literal.get<std::string>()))
      fail("selected() needs a choice code in quotes as its second argument",
           "selected() cần mã lựa chọn trong dấu nháy làm đối số thứ hai");
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  Token token_;
};

bool compare(const Value& a_in, const Value& b_in, CompareOp op) {
  if (a_in.isNull() || b_in.isNull()) return false;
  // A date question's answer ("2019-05-03") against a date and time compares by the day: the
  // date and time becomes its day in its own offset.
  auto byDay = [](const Value& day, const Value& other) {
    const auto* text = day.get<std::string>();
    const auto* at = other.get<DateTime>();
    return text && at && isIsoDate(*text) ? Value{formatDateTime(*at).substr(0, 10)} : other;
  };
  const Value a = byDay(b_in, a_in), b = byDay(a_in, b_in);
  int order = 0;
  if (auto x = a.asNumber(), y = b.asNumber(); x && y) {
    order = *x < *y ? -1 : (*x > *y ? 1 : 0);
  } else if (a.type() == b.type() && (a.get<std::string>() || a.get<DateTime>())) {
    if (const auto* s = a.get<std::string>()) {
      const int c = s->compare(*b.get<std::string>());
      order = c < 0 ? -1 : (c > 0 ? 1 : 0);
    } else {
      const auto x = a.get<DateTime>()->epoch_ms, y = b.get<DateTime>()->epoch_ms;
      order = x < y ? -1 : (x > y ? 1 : 0);
    }
  } else if (op == CompareOp::kEq || op == CompareOp::kNe) {
    // Values without an order (yes/no, choice lists) only compare for equality.
    if (a.type() != b.type()) return false;
    return (a == b) == (op == CompareOp::kEq);
  } else {
    return false;
  }
  switch (op) {
    case CompareOp::kEq: return order == 0;
    case CompareOp::kNe: return order != 0;
    case CompareOp::kLt: return order < 0;
    case CompareOp::kLe: return order <= 0;
    case CompareOp::kGt: return order > 0;
    case CompareOp::kGe: return order >= 0;
  }
  return false;
}

bool isTrue(const Value& v) {
  const auto* b = v.get<bool>();
  return b != nullptr && *b;
}

// Addition and subtraction: of numbers (whole numbers stay whole; an overflow is unknown), of a
// number of days to or from a date (now() + 1 is this time tomorrow), and of two dates (the
// days between them). Anything else, or an unanswered side, is unknown (null).
Value arithmetic(const Value& a, const Value& b, bool add) {
  if (a.isNull() || b.isNull()) return Value{};
  const auto* x = a.get<std::int64_t>();
  const auto* y = b.get<std::int64_t>();
  if (x && y) {
    std::int64_t out = 0;
    if (add ? __builtin_add_overflow(*x, *y, &out) : __builtin_sub_overflow(*x, *y, &out)) return Value{};
    return Value{out};
  }
  const auto* da = a.get<DateTime>();
  const auto* db = b.get<DateTime>();
  if (da && db) {
    if (add) return Value{};
    return Value{(static_cast<double>(da->epoch_ms) - static_cast<double>(db->epoch_ms)) / kDayMs};
  }
  if (da || db) {
    const auto* date = da ? da : db;
    const auto days = (da ? b : a).asNumber();
    if (!days || (db && !add) || !std::isfinite(*days) || std::fabs(*days) > kMaxDaysAdded) return Value{};
    const auto shift = static_cast<std::int64_t>(std::llround(*days * kDayMs)) * (add ? 1 : -1);
    std::int64_t out = 0;
    if (__builtin_add_overflow(date->epoch_ms, shift, &out)) return Value{};
    return Value{DateTime{out, date->offset_minutes}};
  }
  const auto p = a.asNumber(), q = b.asNumber();
  if (!p || !q) return Value{};
  const double out = add ? *p + *q : *p - *q;
  return std::isfinite(out) ? Value{out} : Value{};
}

// Evaluates a node. In two-valued mode (conditions) a comparison with an unknown side is false;
// in three-valued mode (constraints) unknown (null) propagates: "not unknown" is unknown, "and"
// is false when either side is false, "or" true when either side is true, else unknown.
Value evaluateNode(const ExpressionNode& node, const NameLookup& lookup, bool three_valued) {
  const auto known = [](const Value& v) { return v.get<bool>() != nullptr; };
  switch (node.kind) {
    case NodeKind::kLiteral: return node.literal;
    case NodeKind::kName: return lookup(node.name);
    case NodeKind::kNot: {
      const Value v = evaluateNode(*node.children[0], lookup, three_valued);
      if (three_valued && !known(v)) return Value{};
      return Value{!isTrue(v)};
    }
    case NodeKind::kAnd:
    case NodeKind::kOr: {
      const bool is_and = node.kind == NodeKind::kAnd;
      const Value l = evaluateNode(*node.children[0], lookup, three_valued);
      const Value r = evaluateNode(*node.children[1], lookup, three_valued);
      if (!three_valued) return Value{is_and ? isTrue(l) && isTrue(r) : isTrue(l) || isTrue(r)};
      // The deciding value wins over unknown: false for "and", true for "or".
      const auto decides = [&](const Value& v) { return known(v) && isTrue(v) != is_and; };
      if (decides(l) || decides(r)) return Value{!is_and};
      if (!known(l) || !known(r)) return Value{};
      return Value{is_and};
    }
    case NodeKind::kCompare: {
      const Value l = evaluateNode(*node.children[0], lookup, three_valued);
      const Value r = evaluateNode(*node.children[1], lookup, three_valued);
      if (three_valued && (l.isNull() || r.isNull())) return Value{};
      return Value{compare(l, r, node.op)};
    }
    case NodeKind::kAdd:
    case NodeKind::kSubtract:
      return arithmetic(evaluateNode(*node.children[0], lookup, three_valued),
                        evaluateNode(*node.children[1], lookup, three_valued), node.kind == NodeKind::kAdd);
    case NodeKind::kCall: {
      // now() is the caller's clock, asked of the lookup by that name.
      if (node.name == "now") {
        Value v = lookup("now()");
        return v.get<DateTime>() ? v : Value{};
      }
      const Value arg = evaluateNode(*node.children[0], lookup, three_valued);
      if (node.name == "answered") return Value{!arg.isNull()};
      if (node.name == "count") {
        if (const auto* c = arg.get<Choices>()) return Value{static_cast<std::int64_t>(c->size())};
        return Value{static_cast<std::int64_t>(arg.isNull() ? 0 : 1)};
      }
      if (node.name == "lat" || node.name == "lon") {
        const auto* p = arg.get<GeoPoint>();
        if (!p) return Value{};
        return Value{node.name == "lat" ? p->latitude : p->longitude};
      }
      const auto& code = *node.children[1]->literal.get<std::string>();
      if (const auto* s = arg.get<std::string>()) return Value{*s == code};
      if (const auto* c = arg.get<Choices>())
        return Value{std::find(c->begin(), c->end(), code) != c->end()};
      return Value{false};
    }
  }
  return Value{false};
}

void collect(const ExpressionNode& node, std::vector<std::string>& names,
             std::vector<std::pair<std::string, std::string>>& codes) {
  if (node.kind == NodeKind::kName &&
      std::find(names.begin(), names.end(), node.name) == names.end())
    names.push_back(node.name);
  if (node.kind == NodeKind::kCall && node.name == "selected")
    codes.emplace_back(node.children[0]->name, *node.children[1]->literal.get<std::string>());
  for (const auto& child : node.children) collect(*child, names, codes);
}

}  // namespace

Result<Expression> Expression::parse(std::string_view text) {
  if (text.size() > limits::kMaxExpressionBytes)
    return problem("biểu thức dài quá " + std::to_string(limits::kMaxExpressionBytes) + " byte",
                   "expression longer than " + std::to_string(limits::kMaxExpressionBytes) +
                       " bytes");
  if (!isCleanUtf8(text))
    return problem("biểu thức chứa ký tự không hợp lệ", "expression contains invalid characters");
  try {
    Parser parser(text);
    auto root = parser.parseAll();
    return Expression(std::string(text), std::move(root));
  } catch (const ParseError& e) {
    const auto at = std::to_string(e.pos + 1);
    return problem("lỗi biểu thức tại ký tự " + at + ": " + e.vi,
                   "expression error at character " + at + ": " + e.en);
  }
}

bool Expression::evaluate(const NameLookup& lookup) const {
  return isTrue(evaluateNode(*root_, lookup, false));
}

std::optional<bool> Expression::holds(const NameLookup& lookup) const {
  const Value v = evaluateNode(*root_, lookup, true);
  if (const auto* b = v.get<bool>()) return *b;
  return std::nullopt;
}

std::vector<std::string> Expression::names() const {
  std::vector<std::string> names;
  std::vector<std::pair<std::string, std::string>> codes;
  collect(*root_, names, codes);
  return names;
}

std::vector<std::pair<std::string, std::string>> Expression::selectedCodes() const {
  std::vector<std::string> names;
  std::vector<std::pair<std::string, std::string>> codes;
  collect(*root_, names, codes);
  return codes;
}

}  // namespace fieldcheck
