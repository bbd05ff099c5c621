# lit configuration for lgc's golden-text tests.
#
# A test is a model file (.yaml) or a command script (.test) whose comments
# hold RUN: lines and FileCheck patterns:
#   # RUN: lgc dump %s --emit=graph | FileCheck %s
#   # RUN: not lgc check %s 2>&1 | FileCheck %s --check-prefix=ERR
# Substitutions: %fixtures (tests/fixtures), %models (models/).
import os

import lit.formats

config.name = "lgc-golden"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".yaml", ".test"]
config.excludes = ["Inputs", "README.md", "CMakeLists.txt"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = config.lgc_obj_root

# lgc, FileCheck and not come first on PATH.
config.environment["PATH"] = os.pathsep.join(
    [config.lgc_bin_dir, config.llvm_tools_dir, config.environment.get("PATH", os.environ["PATH"])])
config.substitutions.append(("%fixtures", os.path.join(config.lgc_source_dir, "tests", "fixtures")))
config.substitutions.append(("%models", os.path.join(config.lgc_source_dir, "models")))
config.substitutions.append(("%inputs", os.path.join(config.test_source_root, "Inputs")))
