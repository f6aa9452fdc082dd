#include "format/parquet/parquet_schema.h"

#include <fmt/format.h>

namespace freshet::parquet {
namespace {

bool ValidPhysicalType(PhysicalType t) {
  int v = static_cast<int>(t);
  return v >= 0 && v <= 7;
}

// Chooses the conversion of a primitive element; NotSupported for
// combinations no writer produces (e.g. DECIMAL on BOOLEAN).
Status ChooseConversion(const SchemaElement& e, ColumnDescriptor* c) {
  using K = LogicalType::Kind;
  const LogicalType& lt = e.logical_type;
  PhysicalType pt = *e.type;
  bool is_int = pt == PhysicalType::kInt32 || pt == PhysicalType::kInt64;
  bool is_bytes = pt == PhysicalType::kByteArray || pt == PhysicalType::kFixedLenByteArray;
  auto default_for = [&]() {
    switch (pt) {
      case PhysicalType::kBoolean:
        return Conversion::kBool;
      case PhysicalType::kInt32:
      case PhysicalType::kInt64:
        return Conversion::kInt;
      case PhysicalType::kInt96:
        return Conversion::kInt96;
      case PhysicalType::kFloat:
      case PhysicalType::kDouble:
        return Conversion::kFloat;
      default:
        return Conversion::kBytes;
    }
  };
  c->conversion = default_for();
  switch (lt.kind) {
    case K::kDecimal:
      if (!is_int && !is_bytes) break;
      c->conversion = Conversion::kDecimal;
      c->scale = lt.scale;
      return Status::OK();
    case K::kDate:
      if (pt == PhysicalType::kInt32) c->conversion = Conversion::kDate;
      return Status::OK();
    case K::kTimestamp:
      if (pt == PhysicalType::kInt64) {
        c->conversion = Conversion::kTimestamp;
        c->unit = lt.unit;
      }
      return Status::OK();
    case K::kTime:
      if (is_int) {
        c->conversion = Conversion::kTime;
        c->unit = lt.unit;
      }
      return Status::OK();
    case K::kInteger:
      if (!lt.is_signed && pt == PhysicalType::kInt32) c->conversion = Conversion::kUint32;
      if (!lt.is_signed && pt == PhysicalType::kInt64) c->conversion = Conversion::kUint64;
      return Status::OK();
    case K::kFloat16:
      if (pt == PhysicalType::kFixedLenByteArray && e.type_length == 2) {
        c->conversion = Conversion::kFloat16;
      }
      return Status::OK();
    case K::kUnknown:
      c->conversion = Conversion::kNull;
      return Status::OK();
    case K::kNone:
      break;
    default:
      return Status::OK();  // strings, JSON, UUID, ...: the physical default
  }
  switch (e.converted_type) {
    case ConvertedType::kDecimal:
      if (is_int || is_bytes) {
        c->conversion = Conversion::kDecimal;
        c->scale = e.scale;
      }
      break;
    case ConvertedType::kDate:
      if (pt == PhysicalType::kInt32) c->conversion = Conversion::kDate;
      break;
    case ConvertedType::kTimestampMillis:
    case ConvertedType::kTimestampMicros:
      if (pt == PhysicalType::kInt64) {
        c->conversion = Conversion::kTimestamp;
        c->unit = e.converted_type == ConvertedType::kTimestampMillis ? TimeUnit::kMillis
                                                                      : TimeUnit::kMicros;
      }
      break;
    case ConvertedType::kTimeMillis:
    case ConvertedType::kTimeMicros:
      if (is_int) {
        c->conversion = Conversion::kTime;
        c->unit =
            e.converted_type == ConvertedType::kTimeMillis ? TimeUnit::kMillis : TimeUnit::kMicros;
      }
      break;
    case ConvertedType::kUint8:
    case ConvertedType::kUint16:
    case ConvertedType::kUint32:
      if (pt == PhysicalType::kInt32) c->conversion = Conversion::kUint32;
      break;
    case ConvertedType::kUint64:
      if (pt == PhysicalType::kInt64) c->conversion = Conversion::kUint64;
      break;
    default:
      break;
  }
  return Status::OK();
}

}  // namespace

Result<ParquetSchema> ParquetSchema::Make(const FileMetaData& md) {
  ParquetSchema schema;
  const std::vector<SchemaElement>& elements = md.schema;
  if (elements.empty()) return Status::Corruption("schema has no root element");
  const SchemaElement& root = elements[0];
  if (root.num_children < 0 || static_cast<size_t>(root.num_children) >= elements.size() + 1) {
    return Status::Corruption(
        fmt::format("schema root has {} children but the schema has {} elements", root.num_children,
                    elements.size()));
  }
  size_t next = 1;
  for (int32_t child = 0; child < root.num_children; ++child) {
    if (next >= elements.size()) {
      return Status::Corruption(
          fmt::format("schema root announces {} fields but the schema ends after {}",
                      root.num_children, child));
    }
    const SchemaElement& e = elements[next];
    // Walk the subtree iteratively: a stack of groups whose children are
    // still to visit, with the levels and path their children inherit.
    struct Pending {
      int32_t left;
      int16_t def;
      int16_t rep;
      std::string path;
      int16_t repeated_def;  // of the nearest repeated ancestor
    };
    size_t leaves = 0;
    // The last leaf and the last repeated node of the subtree, for lists.
    const SchemaElement* leaf = nullptr;
    size_t leaf_depth = 0, repeated_depth = 0;
    int16_t repeated_def = 0;
    std::vector<Pending> pending{{1, 0, 0, "", 0}};
    while (!pending.empty()) {
      if (pending.back().left == 0) {
        pending.pop_back();
        continue;
      }
      --pending.back().left;
      if (next >= elements.size()) {
        return Status::Corruption(fmt::format(
            "schema field '{}' has more children than the schema has elements", e.name));
      }
      const SchemaElement& node = elements[next++];
      const Pending& parent = pending.back();
      Repetition node_rep = node.repetition.value_or(Repetition::kOptional);
      int16_t def = static_cast<int16_t>(parent.def + (node_rep != Repetition::kRequired ? 1 : 0));
      int16_t rep = static_cast<int16_t>(parent.rep + (node_rep == Repetition::kRepeated ? 1 : 0));
      std::string path = parent.path.empty() ? node.name : parent.path + "." + node.name;
      int16_t nearest_repeated_def = parent.repeated_def;
      if (node_rep == Repetition::kRepeated) {
        repeated_depth = pending.size();
        repeated_def = def;
        nearest_repeated_def = def;
      }
      if (node.type) {
        if (!ValidPhysicalType(*node.type)) {
          return Status::Corruption(fmt::format("schema element '{}' has unknown physical type {}",
                                                node.name, static_cast<int>(*node.type)));
        }
        if (*node.type == PhysicalType::kFixedLenByteArray &&
            (node.type_length <= 0 || node.type_length > (1 << 24))) {
          return Status::Corruption(
              fmt::format("schema element '{}' is FIXED_LEN_BYTE_ARRAY of invalid length {}",
                          node.name, node.type_length));
        }
        schema.leaves_.push_back(
            {std::move(path), *node.type, def, rep, nearest_repeated_def, next - 1});
        ++leaves;
        leaf = &node;
        leaf_depth = pending.size();
        continue;
      }
      if (node.num_children < 0 || static_cast<size_t>(node.num_children) > elements.size()) {
        return Status::Corruption(
            fmt::format("schema group '{}' has {} children", node.name, node.num_children));
      }
      if (static_cast<int>(pending.size()) >= kMaxNesting) {
        return Status::Corruption(
            fmt::format("schema field '{}' is nested deeper than {} levels", e.name, kMaxNesting));
      }
      pending.push_back({node.num_children, def, rep, std::move(path), nearest_repeated_def});
    }
    Repetition rep = e.repetition.value_or(Repetition::kOptional);
    if (e.type && rep != Repetition::kRepeated) {
      ColumnDescriptor c;
      c.name = e.name;
      c.leaf_index = schema.num_leaves_;
      c.physical_type = *e.type;
      c.type_length = e.type_length;
      c.max_definition_level = rep == Repetition::kOptional ? 1 : 0;
      RETURN_IF_ERROR(ChooseConversion(e, &c));
      std::string logical = LogicalTypeName(e);
      c.type_name = std::string(PhysicalTypeName(c.physical_type));
      if (!logical.empty()) c.type_name += " " + logical;
      schema.columns_.push_back(std::move(c));
    } else if (leaves == 1 && schema.leaves_.back().max_repetition_level == 1 && leaf_depth <= 3 &&
               (leaf_depth == repeated_depth || leaf_depth == 3) &&
               repeated_depth == (e.type ? 1u : 2u)) {
      // One repeated node: the field itself (bare), its child (2-level), or
      // its child's only child being the element (3-level).
      ColumnDescriptor c;
      c.name = e.name;
      c.leaf_index = schema.num_leaves_;
      c.physical_type = *leaf->type;
      c.type_length = leaf->type_length;
      c.max_definition_level = schema.leaves_.back().max_definition_level;
      c.max_repetition_level = 1;
      c.list_definition_level = rep == Repetition::kOptional ? 1 : 0;
      c.element_definition_level = repeated_def;
      RETURN_IF_ERROR(ChooseConversion(*leaf, &c));
      std::string logical = LogicalTypeName(*leaf);
      c.type_name = fmt::format("LIST<{}{}{}>", PhysicalTypeName(c.physical_type),
                                logical.empty() ? "" : " ", logical);
      schema.columns_.push_back(std::move(c));
    } else {
      std::string kind =
          e.type ? "repeated primitive field" : fmt::format("nested group{}", [&]() -> std::string {
            std::string l = LogicalTypeName(e);
            return l.empty() ? "" : " (" + l + ")";
          }());
      schema.skipped_.push_back(
          {e.name, fmt::format("{} with {} leaf column{}", kind, leaves, leaves == 1 ? "" : "s")});
    }
    schema.num_leaves_ += leaves;
  }
  if (next != elements.size()) {
    return Status::Corruption(
        fmt::format("schema has {} elements but its tree uses {}", elements.size(), next));
  }
  return schema;
}

const ColumnDescriptor* ParquetSchema::Find(std::string_view name) const {
  for (const ColumnDescriptor& c : columns_) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

const SkippedField* ParquetSchema::FindSkipped(std::string_view name) const {
  for (const SkippedField& s : skipped_) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

Result<ColumnDescriptor> ParquetSchema::DescribeLeaf(const FileMetaData& md,
                                                     std::string_view path) const {
  for (size_t i = 0; i < leaves_.size(); ++i) {
    const LeafColumn& leaf = leaves_[i];
    if (leaf.path != path) continue;
    if (leaf.max_repetition_level > 1) {
      return Status::NotSupported(
          fmt::format("column '{}' repeats at {} levels", path, leaf.max_repetition_level));
    }
    const SchemaElement& e = md.schema.at(leaf.element);
    ColumnDescriptor c;
    c.name = leaf.path;
    c.leaf_index = i;
    c.physical_type = leaf.physical_type;
    c.type_length = e.type_length;
    c.max_definition_level = leaf.max_definition_level;
    c.max_repetition_level = leaf.max_repetition_level;
    if (leaf.max_repetition_level == 1) {
      c.list_definition_level = static_cast<int16_t>(leaf.repeated_definition_level - 1);
      c.element_definition_level = leaf.repeated_definition_level;
    }
    RETURN_IF_ERROR(ChooseConversion(e, &c));
    c.type_name = std::string(PhysicalTypeName(c.physical_type));
    return c;
  }
  return Status::NotFound(fmt::format("no column '{}'", path));
}

}  // namespace freshet::parquet
