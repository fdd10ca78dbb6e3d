// Part d of the benchmarks: the baseline translation unit, nlohmann/json alone parsing a string (what any
// C++ client using that library pays at least). See with_trocco.cpp.
#include <nlohmann/json.hpp>

int main() {
    const auto json = nlohmann::json::parse(R"({"id":1,"job_definition_id":42,"status":"succeeded"})");
    return json.at("status").get<std::string>() == "succeeded" ? 0 : 1;
}
