// trocco/asio.hpp - the Boost.Asio adapter: trocco::asio::transport and trocco::asio::async_run.
#pragma once

#include "asio/async_run.hpp"
#include "asio/transport.hpp"
