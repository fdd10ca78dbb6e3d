// testing/tools/control_channel.hpp - trocco-fake-server's control channel: one JSON command per line in, one
// JSON reply per line out (`{"ok":true}`, a result, or `{"error":"..."}`). The commands (see --help):
//
//   {"cmd":"fault","kind":"http_status","method":"POST","path_prefix":"/api/jobs","times":1,"status":503}
//        any key of a --fault spec (fault_spec.hpp); "interim":[100,103], "headers":[["Name","value"]]
//   {"cmd":"clear"}  faults and recorded requests;  {"cmd":"clear_faults"};  {"cmd":"clear_requests"}
//   {"cmd":"pending_faults"}                     -> {"pending":N}
//   {"cmd":"job_outcome"|"workflow_outcome"|"pipeline_outcome","definition_id":43,"outcome":"error"}
//   {"cmd":"job_name"|"workflow_name"|"pipeline_name","definition_id":42,"name":"..."}
//   {"cmd":"definition","kind":"job","id":5,"name":"...","description":"...","labels":[{"id":1,"name":"x"}]}
//   {"cmd":"seed_job","definition":42,"status":"succeeded","created_at":"now-600"} -> {"id":N}
//   {"cmd":"requests"} -> {"requests":[{"method","target","headers":[[name,value]...],"body","connection_id"}...]}
//   {"cmd":"job_ids"|"workflow_job_ids"|"datamart_job_ids"} -> {"ids":[...]}
//   {"cmd":"job_params"|"workflow_params"|"pipeline_params"|"datamart_params","job_id":N}
//        -> {"params":{"context_time","time_zone","memo","custom_variables":[{name,value}]}} (or null)
//   {"cmd":"connections"} -> {"accepted":N}
//   {"cmd":"quit"}  stops the server and exits (so does the end of the input)
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include <trocco/testing/fake_server.hpp>
#include <trocco/testing/fault_spec.hpp>

namespace fake_server_tool {

using nlohmann::json;
using trocco::testing::spec_pairs;

inline trocco::timestamp wall_now() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

/// A command's members (but "cmd") as spec pairs: strings as they are, numbers and booleans as JSON text,
/// "interim" joined by '+', "headers"/"header" and "labels" one pair per entry. Nulls are skipped.
inline std::optional<spec_pairs> pairs_from_json(const json& command, std::string& error) {
    spec_pairs pairs;
    for (const auto& [key, value] : command.items()) {
        if (key == "cmd" || value.is_null()) continue;
        if (value.is_string()) {
            pairs.emplace_back(key, value.get<std::string>());
        } else if (value.is_number_integer() || value.is_boolean()) {
            pairs.emplace_back(key, value.dump());
        } else if (value.is_array() && key == "interim") {
            std::string joined;
            for (const auto& s : value) joined += (joined.empty() ? "" : "+") + s.dump();
            pairs.emplace_back("interim", joined);
        } else if (value.is_array() && (key == "headers" || key == "header")) {
            for (const auto& h : value) {
                if (h.is_array() && h.size() == 2 && h[0].is_string() && h[1].is_string()) {
                    pairs.emplace_back("header", trocco::testing::detail::cat(h[0].get<std::string>(), ":", h[1].get<std::string>()));
                } else {
                    error = "headers must be [[name, value], ...]";
                    return std::nullopt;
                }
            }
        } else if (value.is_array() && key == "labels") {
            for (const auto& l : value) {
                if (!l.is_object() || !l.contains("id") || !l["id"].is_number_integer() || !l.contains("name") ||
                    !l["name"].is_string()) {
                    error = "labels must be [{\"id\": N, \"name\": \"...\"}, ...]";
                    return std::nullopt;
                }
                pairs.emplace_back("label", trocco::testing::detail::cat(l["id"].dump(), ":", l["name"].get<std::string>()));
            }
        } else {
            error = trocco::testing::detail::cat("'", key, "' has a value of an unexpected type");
            return std::nullopt;
        }
    }
    return pairs;
}

inline json params_json(const std::optional<trocco::testing::run_parameters>& p) {
    if (!p) return nullptr;
    const auto text = [](const std::optional<std::string>& s) { return s ? json(*s) : json(nullptr); };
    json out;
    out["context_time"] = text(p->context_time);
    out["time_zone"] = text(p->time_zone);
    out["memo"] = text(p->memo);
    out["custom_variables"] = json::array();
    for (const auto& v : p->custom_variables) out["custom_variables"].push_back({{"name", v.name}, {"value", v.value}});
    return out;
}

inline json handle_command(trocco::testing::fake_server& server, const json& command, bool& quit) {
    using trocco::testing::job_kind;
    const auto error = [](const std::string& why) { return json{{"error", why}}; };
    if (!command.is_object() || !command.contains("cmd") || !command["cmd"].is_string()) {
        return error("a command is a JSON object with a \"cmd\" string");
    }
    const std::string cmd = command["cmd"].get<std::string>();
    const auto integer = [&](const char* key) -> std::optional<std::int64_t> {
        if (!command.contains(key) || !command[key].is_number_integer()) return std::nullopt;
        return command[key].get<std::int64_t>();
    };
    const auto ok = json{{"ok", true}};

    if (cmd == "fault" || cmd == "definition" || cmd == "seed_job") {
        std::string why;
        const auto pairs = pairs_from_json(command, why);
        if (!pairs) return error(why);
        if (cmd == "fault") {
            auto f = trocco::testing::fault_from_pairs(*pairs);
            if (!f) return error(f.error);
            server.inject(std::move(*f.value));
            return ok;
        }
        if (cmd == "definition") {
            auto d = trocco::testing::definition_from_pairs(*pairs, wall_now());
            if (!d) return error(d.error);
            server.api().add_definition(d.value->first, std::move(d.value->second));
            return ok;
        }
        auto job = trocco::testing::seeded_job_from_pairs(*pairs, wall_now());
        if (!job) return error(job.error);
        try {
            return json{{"id", server.seed_job(std::move(*job.value))}};
        } catch (const std::exception& e) {
            return error(e.what());
        }
    }
    if (cmd == "clear" || cmd == "clear_faults") server.clear_faults();
    if (cmd == "clear" || cmd == "clear_requests") server.clear_requests();
    if (cmd == "clear" || cmd == "clear_faults" || cmd == "clear_requests") return ok;
    if (cmd == "pending_faults") return json{{"pending", server.pending_faults()}};
    if (cmd == "connections") return json{{"accepted", server.connections_accepted()}};

    const bool workflow = cmd.starts_with("workflow_") || cmd.starts_with("pipeline_");
    const auto kind = workflow ? job_kind::workflow : cmd.starts_with("datamart_") ? job_kind::datamart : job_kind::transfer;
    if (cmd == "job_outcome" || cmd == "workflow_outcome" || cmd == "pipeline_outcome") {
        const auto definition_id = integer("definition_id");
        const auto outcome = trocco::testing::parse_scripted_outcome(command.value("outcome", ""));
        if (!definition_id || !outcome) return error("needs \"definition_id\" and a known \"outcome\"");
        server.api().set_outcome(kind, *definition_id, *outcome);
        return ok;
    }
    if (cmd == "job_name" || cmd == "workflow_name" || cmd == "pipeline_name") {
        const auto definition_id = integer("definition_id");
        if (!definition_id || !command.contains("name") || !command["name"].is_string()) {
            return error("needs \"definition_id\" and \"name\"");
        }
        server.api().set_definition_name(kind, *definition_id, command["name"].get<std::string>());
        return ok;
    }
    if (cmd == "requests") {
        json list = json::array();
        for (const auto& r : server.requests()) {
            json headers = json::array();
            for (const auto& h : r.headers) headers.push_back({h.name, h.value});
            list.push_back({{"method", r.method}, {"target", r.target}, {"headers", headers}, {"body", r.body},
                            {"connection_id", r.connection_id}});
        }
        return json{{"requests", list}};
    }
    if (cmd == "job_ids" || cmd == "workflow_job_ids" || cmd == "datamart_job_ids") {
        return json{{"ids", server.api().job_ids(kind)}};
    }
    if (cmd == "job_params" || cmd == "workflow_params" || cmd == "pipeline_params" || cmd == "datamart_params") {
        const auto job_id = integer("job_id");
        if (!job_id) return error("needs \"job_id\"");
        return json{{"params", params_json(server.api().run_parameters_of(kind, *job_id))}};
    }
    if (cmd == "quit") {
        quit = true;
        return ok;
    }
    return error(trocco::testing::detail::cat("unknown command '", cmd, "'"));
}

}  // namespace fake_server_tool
