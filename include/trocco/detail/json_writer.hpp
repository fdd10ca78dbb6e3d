// trocco/detail/json_writer.hpp - the few JSON bodies the library sends, written by hand.
//
// Request bodies are flat objects of strings plus one array of {name, value} objects. Writing them directly keeps
// nlohmann/json's serializer (a second instantiation of basic_json, for key order) out of every translation unit
// that builds a request; the output is byte for byte what nlohmann's dump() gives for the same values.
#pragma once

#include <string>
#include <string_view>

namespace trocco::detail {

/// Appends `text` as a JSON string literal: quotes, backslashes and control characters escaped (\b \f \n \r \t,
/// else \u00XX), everything else (UTF-8 included, checked by the caller) as it is.
inline void append_json_string(std::string& out, std::string_view text) {
    constexpr char hex[] = "0123456789abcdef";
    out.push_back('"');
    for (const char c : text) {
        switch (c) {
            case '"': out.append("\\\""); break;
            case '\\': out.append("\\\\"); break;
            case '\b': out.append("\\b"); break;
            case '\f': out.append("\\f"); break;
            case '\n': out.append("\\n"); break;
            case '\r': out.append("\\r"); break;
            case '\t': out.append("\\t"); break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    out.append("\\u00");
                    out.push_back(hex[(static_cast<unsigned char>(c) >> 4) & 0xF]);
                    out.push_back(hex[static_cast<unsigned char>(c) & 0xF]);
                } else {
                    out.push_back(c);
                }
        }
    }
    out.push_back('"');
}

/// Writes one JSON object, member by member, in the order given.
class json_object_writer {
public:
    json_object_writer() { text_.push_back('{'); }

    /// "key":"value"
    json_object_writer& string(std::string_view key, std::string_view value) {
        next_member(key);
        append_json_string(text_, value);
        return *this;
    }
    /// "key":[{"name":"…","value":"…"},…], from any range of elements with `name` and `value` members.
    template <class Range>
    json_object_writer& name_value_array(std::string_view key, const Range& items) {
        next_member(key);
        text_.push_back('[');
        bool first = true;
        for (const auto& item : items) {
            if (!first) text_.push_back(',');
            first = false;
            text_.append("{\"name\":");
            append_json_string(text_, item.name);
            text_.append(",\"value\":");
            append_json_string(text_, item.value);
            text_.push_back('}');
        }
        text_.push_back(']');
        return *this;
    }
    /// The finished object; the writer is spent.
    std::string finish() && {
        text_.push_back('}');
        return std::move(text_);
    }

private:
    void next_member(std::string_view key) {
        if (text_.size() > 1) text_.push_back(',');
        append_json_string(text_, key);
        text_.push_back(':');
    }

    std::string text_;
};

}  // namespace trocco::detail
