// Registration of the native EQ search functions (calib_addon.cc) on the addon's exports.
#pragma once
#include <napi.h>
void RegisterCalibFunctions(Napi::Env env, Napi::Object exports);
