//===- tools/lgc/ModelIO.h - weights, inputs and outputs of a run -*- C++ -*-===//
//
// What `lgc run` (and later `lgc bench`) needs around the model itself:
// parameters from a safetensors file or seeded, inputs from .npy files, images
// (PNG, JPEG, BMP; runtime/Image.h) or seeded random, outputs written to .npy
// files, all matched by name; class labels for the top-5 lines.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/interpreter/Interpreter.h"
#include "runtime/Image.h"

#include <map>
#include <string>
#include <vector>

namespace lgc {

/// Splits `[NAME=]FILE` arguments of `flag` against the model's `names`:
/// a bare FILE is allowed when there is exactly one name. Errors here are
/// command-line errors.
Expected<std::map<std::string, std::string>> matchNamedFiles(const std::vector<std::string> &args,
                                                             const std::vector<std::string> &names,
                                                             const std::string &flag);

/// The graph's parameters: read from `weightsPath` (warnings for unused
/// tensors printed on stderr) or, when it is empty, seeded from `seed`.
Expected<WeightMap> bindWeights(const Graph &graph, const std::string &weightsPath, uint64_t seed);

/// The graph's inputs: from the files in `files` (by input name), each checked
/// against the input's shape; the others seeded uniform in [-1, 1). A file is
/// an image or a .npy file as tensorFileKind() tells; images are converted to
/// the input's shape and normalised with `norm`.
Expected<TensorMap> loadInputs(const Graph &graph, const std::map<std::string, std::string> &files,
                               uint64_t seed, const ImageNormalization &norm = {});

/// `--mean`/`--std` texts (empty: not given) checked against the image inputs
/// among `files`: numbers, std not 0, one value or one per channel of each
/// image input. Errors are command-line errors.
Expected<ImageNormalization> parseNormalization(const std::string &mean, const std::string &std,
                                                const Graph &graph,
                                                const std::map<std::string, std::string> &files);

/// The lines of a label file (one class name per line; a final newline and
/// `\r` before newlines are not part of a label).
Expected<std::vector<std::string>> readLabels(const std::string &path);

/// `error` (from reading or writing a tensor file) with its message prefixed
/// by `tensor`, e.g. "input 'image'", so that it names the tensor (SPEC §6).
Error forTensor(Error error, const std::string &tensor);

/// The names of the graph's model inputs and outputs, in model order.
std::vector<std::string> inputNames(const Graph &graph);
std::vector<std::string> outputNames(const Graph &graph);

} // namespace lgc
