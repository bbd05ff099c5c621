#!/usr/bin/env bash
# Regenerates the zoo's model files, models/<name>.yaml (YAML only, no weights),
# with tools/lgc_export.py and the descriptions in their header comments.
# Needs python3-torch and python3-torchvision. Run from anywhere:
#
#   bash tests/zoo/export_zoo.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
export_yaml() { /usr/bin/python3 tools/lgc_export.py "$1" -o "models/$1" --no-weights -q "${@:2}"; }
in="Input: one 224x224 RGB image (ImageNet-normalised); output: 1000 ImageNet logits."
fire="Fire modules (squeeze 1x1, expand 1x1 and 3x3 concatenated as features.N.cat), ceil_mode max pools, a 1x1 convolution classifier and a global average pool. Input: one 224x224 RGB image (ImageNet-normalised); output: 1000 ImageNet scores (after ReLU)."

export_yaml vgg11 --note "VGG-11 (Simonyan & Zisserman 2014, configuration A). $in"
export_yaml vgg16 --note "VGG-16 (Simonyan & Zisserman 2014, configuration D). $in"
export_yaml resnet50 --note "ResNet-50 (He et al. 2015, Bottleneck x [3,4,6,3]). Each block's residual sum is layerL.B.add and the ReLU after it layerL.B.relu_N (torchvision reuses one ReLU module three times per block). $in"
export_yaml mobilenet_v2 --note "MobileNetV2 (Sandler et al. 2018): inverted residual blocks with depthwise 3x3 convolutions, ReLU6, residual sums features.N.add; the functional global average pool is adaptive_avg_pool2d. $in"
export_yaml squeezenet1_0 --note "SqueezeNet 1.0 (Iandola et al. 2016): $fire"
export_yaml squeezenet1_1 --note "SqueezeNet 1.1 (the official repo's 2.4x cheaper variant): $fire"
export_yaml googlenet \
  --note "GoogLeNet (Szegedy et al. 2014): Inception blocks concatenated as inceptionNx.cat; BasicConv2d is conv, bn (eps 0.001) and a functional ReLU, named <block>.relu; ceil_mode max pools. The auxiliary classifiers aux1, aux2 do nothing in eval mode and are left out: drop their tensors from a pretrained state_dict (else lgc warns that they are unused)." \
  --note "torchvision's pretrained weights come with transform_input=True, which turns an ImageNet-normalised image into one normalised with mean 0.5, std 0.5: with those weights, normalise the input that way (lgc run --mean 0.5 --std 0.5), or export with --kwarg transform_input=true." \
  --note "Input: one 224x224 RGB image; output: 1000 ImageNet logits."
echo "models/: vgg11 vgg16 resnet50 mobilenet_v2 squeezenet1_0 squeezenet1_1 googlenet exported"
