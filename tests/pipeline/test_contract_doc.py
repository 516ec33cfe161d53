from pipeline.contract import CONTRACT_VERSION, EXTRACTS
from pipeline.contract_doc import render
from tests.conftest import repo_root


def test_export_contract_document_is_up_to_date():
    committed = (repo_root() / "docs" / "export-contract.md").read_text(encoding="utf-8")
    assert committed == render(), "run: screening contract-doc > docs/export-contract.md"


def test_document_names_version_and_every_column():
    text = render()
    assert f"version {CONTRACT_VERSION}" in text
    for extract in EXTRACTS.values():
        for column in extract.columns:
            assert f"| `{column.name}` |" in text
