//===- compiler/lower/ConvSchedules.h - Conv2d's schedules ------*- C++ -*-===//
//
// The schedules a Conv2d is lowered with, one file each, and the helpers
// they share. LowerConv.cpp describes them and chooses between them, in one
// place.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/lower/KernelBuilder.h"

#include <utility>

namespace lgc {

/// The weights as the kernel reads them: rotated by 180° for `flip`.
WeightRecipe flipped(WeightRecipe w, bool flip);

/// Declares the weight, [out, in, kh, kw] as [in, kh, kw, padded] (zeros
/// past `out`), and the bias (-1 if none) zero-padded to `padded`.
std::pair<int, int> channelsLastWeights(KernelBuilder &kb, int64_t padded);

/// A 1x1 convolution with stride 1 and no padding: each output pixel reads
/// only its own input pixel, so the plane can be viewed as one row.
bool isPointwise(const Conv2dAttrs &a);

/// Channel lanes: lanes are output channels, register blocks of channel
/// vectors by output columns (ConvChannelLanes.cpp).
void lowerChannelLanes(KernelBuilder &kb);
/// Pointwise: a 1x1 layer as a matrix product over pixels (ConvPointwise.cpp).
void lowerPointwise(KernelBuilder &kb);
/// Depthwise lanes: lanes are a block's channels (ConvDepthwise.cpp).
void lowerDepthwiseLanes(KernelBuilder &kb);
/// Column lanes: lanes are output columns, rows together (ConvColumnLanes.cpp).
void lowerColumnLanes(KernelBuilder &kb);

} // namespace lgc
