"""The versioned inputs as source assets: edited by people, read by every wave."""
import dagster as dg

from lei_pipeline.settings import REPO_ROOT

registry = dg.AssetSpec(
    "registry", group_name="reference",
    description="Serbia's 145 local self-government units and 30 city municipalities "
                "(data/reference/registry.csv): official codes, both scripts, type, district, region.",
    metadata={"path": dg.MetadataValue.path(str(REPO_ROOT / "data/reference/registry.csv"))},
)
questionnaire = dg.AssetSpec(
    "questionnaire", group_name="reference",
    description="The LEI questionnaire (data/questionnaire/): question codes, types, options in "
                "Serbian Latin, Cyrillic and English, and the waves each question was asked in.",
    metadata={"path": dg.MetadataValue.path(str(REPO_ROOT / "data/questionnaire/lei-questionnaire.yaml"))},
)
methodology = dg.AssetSpec(
    "methodology", group_name="reference",
    description="Methodology v2 (data/methodology/lei-v2.yaml; v1 stays for old snapshots): how answers "
                "score and read, indicators -> components -> pillars -> lei, weights, ranking eligibility, categories.",
    metadata={"path": dg.MetadataValue.path(str(REPO_ROOT / "data/methodology/lei-v2.yaml"))},
)

SOURCE_ASSETS = [registry, questionnaire, methodology]
