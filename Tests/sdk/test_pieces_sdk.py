"""The official Pieces SDK (pieces-os-client) against our server: every response must deserialize."""
import json
import datetime

import pytest
import websocket
from pieces_os_client.api.applications_api import ApplicationsApi
from pieces_os_client.api.asset_api import AssetApi
from pieces_os_client.api.assets_api import AssetsApi
from pieces_os_client.api.conversation_api import ConversationApi
from pieces_os_client.api.conversations_api import ConversationsApi
from pieces_os_client.api.format_api import FormatApi
from pieces_os_client.api.formats_api import FormatsApi
from pieces_os_client.api.model_api import ModelApi
from pieces_os_client.api.models_api import ModelsApi
from pieces_os_client.api.qgpt_api import QGPTApi
from pieces_os_client.api.user_api import UserApi
from pieces_os_client.api.well_known_api import WellKnownApi
from pieces_os_client.exceptions import ApiException
from pieces_os_client.models.application import Application
from pieces_os_client.models.application_name_enum import ApplicationNameEnum
from pieces_os_client.models.assets_search_with_filters_input import AssetsSearchWithFiltersInput
from pieces_os_client.models.classification_specific_enum import ClassificationSpecificEnum
from pieces_os_client.models.conversation_type_enum import ConversationTypeEnum
from pieces_os_client.models.grouped_timestamp import GroupedTimestamp
from pieces_os_client.models.platform_enum import PlatformEnum
from pieces_os_client.models.privacy_enum import PrivacyEnum
from pieces_os_client.models.qgpt_conversation import QGPTConversation
from pieces_os_client.models.qgpt_conversation_message import QGPTConversationMessage
from pieces_os_client.models.qgpt_conversation_message_role_enum import QGPTConversationMessageRoleEnum
from pieces_os_client.models.qgpt_question_input import QGPTQuestionInput
from pieces_os_client.models.qgpt_relevance_input import QGPTRelevanceInput
from pieces_os_client.models.qgpt_relevance_input_options import QGPTRelevanceInputOptions
from pieces_os_client.models.qgpt_reprompt_input import QGPTRepromptInput
from pieces_os_client.models.qgpt_stream_enum import QGPTStreamEnum
from pieces_os_client.models.qgpt_stream_input import QGPTStreamInput
from pieces_os_client.models.qgpt_stream_output import QGPTStreamOutput
from pieces_os_client.models.relevant_qgpt_seeds import RelevantQGPTSeeds
from pieces_os_client.models.seed import Seed
from pieces_os_client.models.seed_type_enum import SeedTypeEnum
from pieces_os_client.models.seeded_asset import SeededAsset
from pieces_os_client.models.seeded_asset_metadata import SeededAssetMetadata
from pieces_os_client.models.seeded_conversation import SeededConversation
from pieces_os_client.models.seeded_format import SeededFormat
from pieces_os_client.models.seeded_fragment import SeededFragment
from pieces_os_client.models.transferable_string import TransferableString

APP = Application(id="sdk-suite", name=ApplicationNameEnum.OS_SERVER, version="1.0.0",
                  platform=PlatformEnum.LINUX, onboarded=True, privacy=PrivacyEnum.OPEN)


def make_seed(text, name=None, language=None):
    fmt = SeededFormat(fragment=SeededFragment(string=TransferableString(raw=text)))
    if language:
        from pieces_os_client.models.seeded_classification import SeededClassification
        fmt.classification = SeededClassification(specific=language)
    return Seed(type=SeedTypeEnum.SEEDED_ASSET,
                asset=SeededAsset(application=APP, format=fmt,
                                  metadata=SeededAssetMetadata(name=name) if name else None))


def test_well_known(api):
    wk = WellKnownApi(api)
    assert wk.get_well_known_health().startswith("ok")
    major = int(wk.get_well_known_version().split(".")[0])
    assert major == 12


def test_assets_lifecycle(api):
    assets = AssetsApi(api)
    created = assets.assets_create_new_asset(seed=make_seed("import os\ndef home():\n    return os.environ['HOME']", name="Home dir"))
    assert created.name == "Home dir"
    assert created.formats.iterable[0].classification.specific == ClassificationSpecificEnum.PY
    assert isinstance(created.created.value, datetime.datetime)
    snapshot = assets.assets_snapshot()
    assert created.id in [a.id for a in snapshot.iterable]
    one = AssetApi(api).asset_snapshot(created.id)
    assert one.original.id == created.formats.iterable[0].id
    same = assets.assets_specific_asset_snapshot(created.id)
    assert same.id == created.id
    one.name = "Home directory"
    updated = AssetApi(api).asset_update(asset=one)
    assert updated.name == "Home directory"
    found = assets.search_assets(query="environ")
    assert found.iterable[0].identifier == created.id
    filtered = assets.assets_search_with_filters(assets_search_with_filters_input=AssetsSearchWithFiltersInput(query="home directory"))
    assert filtered.results.iterable[0].identifier == created.id
    deleted = assets.assets_delete_asset(created.id)
    assert created.id in deleted
    with pytest.raises(ApiException) as e:
        AssetApi(api).asset_snapshot(created.id)
    assert e.value.status == 404


def test_formats(api):
    created = AssetsApi(api).assets_create_new_asset(seed=make_seed("# Notes\nplain words here", name="notes", language="md"))
    fmts = FormatsApi(api).formats_snapshot()
    fid = created.formats.iterable[0].id
    assert fid in [f.id for f in fmts.iterable]
    fmt = FormatApi(api).format_snapshot(fid)
    assert fmt.asset.id == created.id
    assert fmt.fragment.string.raw.startswith("# Notes")


def test_qgpt_offline(api):
    AssetsApi(api).assets_create_new_asset(seed=make_seed("git stash push -m wip && git pull --rebase", name="Pull with stash"))
    qgpt = QGPTApi(api)
    rel = qgpt.relevance(QGPTRelevanceInput(query="git pull stash"))
    assert rel.relevant.iterable
    answer = qgpt.question(QGPTQuestionInput(query="how do I pull with a dirty tree?", relevant=rel.relevant))
    assert "git stash" in answer.answers.iterable[0].text
    ts = GroupedTimestamp(value=datetime.datetime.now(datetime.timezone.utc))
    rp = qgpt.reprompt(QGPTRepromptInput(query="and in svn?", conversation=QGPTConversation(iterable=[
        QGPTConversationMessage(role=QGPTConversationMessageRoleEnum.USER, text="how do I pull in git", timestamp=ts)])))
    assert "how do I pull in git" in rp.query


def test_conversations(api):
    convs = ConversationsApi(api)
    c = convs.conversations_create_specific_conversation(seeded_conversation=SeededConversation(type=ConversationTypeEnum.COPILOT, name="SDK chat"))
    assert c.name == "SDK chat"
    assert c.id in [x.id for x in convs.conversations_snapshot().iterable]
    got = ConversationApi(api).conversation_get_specific_conversation(c.id)
    assert got.type == ConversationTypeEnum.COPILOT
    msgs = ConversationApi(api).conversation_specific_conversation_messages(c.id)
    assert msgs.iterable == []


def test_models(llm_api):
    models = ModelsApi(llm_api).models_snapshot()
    names = [m.name for m in models.iterable]
    assert "fake-model" in names
    offline = [m for m in models.iterable if m.id == "openpieces-offline"][0]
    m = ModelApi(llm_api).models_specific_model_snapshot(offline.id)
    assert m.id == offline.id
    assert ModelApi(llm_api).model_specific_model_download(offline.id).downloaded
    assert ModelApi(llm_api).model_specific_model_load(offline.id).loaded
    ModelApi(llm_api).model_specific_model_unload(offline.id)
    again = ModelsApi(llm_api).models_snapshot()
    assert [x for x in again.iterable if x.name == "fake-model"][0].loaded


def test_applications_and_user(api):
    apps = ApplicationsApi(api)
    registered = apps.applications_register(application=APP)
    assert registered.id == "sdk-suite"
    assert "sdk-suite" in [a.id for a in apps.applications_snapshot().iterable]
    session = apps.applications_session_open()
    closed = apps.applications_session_close(body=session.id)
    assert closed.id == session.id and closed.closed is not None
    user = UserApi(api).user_snapshot()
    assert user.user.id and user.user.aesthetics is not None


def _stream(port, message):
    ws = websocket.create_connection(f"ws://127.0.0.1:{port}/qgpt/stream", timeout=20)
    ws.send(message.to_json())
    outputs = []
    while True:
        out = QGPTStreamOutput.from_json(ws.recv())
        outputs.append(out)
        if out.status not in (QGPTStreamEnum.INITIALIZED, QGPTStreamEnum.IN_MINUS_PROGRESS):
            break
    ws.close()
    return outputs


def _text(outputs):
    return "".join(a.text for o in outputs if o.question for a in o.question.answers.iterable)


def test_qgpt_stream_over_fake_llm(llm_api, llm_server):
    outputs = _stream(llm_server, QGPTStreamInput(question=QGPTQuestionInput(query="hello?", relevant=RelevantQGPTSeeds(iterable=[]))))
    statuses = [o.status for o in outputs]
    assert statuses[0] == QGPTStreamEnum.INITIALIZED
    assert statuses[-1] == QGPTStreamEnum.COMPLETED
    assert statuses.count(QGPTStreamEnum.IN_MINUS_PROGRESS) == 3  # one per streamed token
    assert _text(outputs) == "Streamed answer"
    conv = outputs[-1].conversation
    msgs = ConversationApi(llm_api).conversation_specific_conversation_messages(conv)
    assert [m.role.value for m in msgs.iterable] == ["USER", "ASSISTANT"]


def test_qgpt_stream_offline_the_sdk_way(api, offline_server):
    AssetsApi(api).assets_create_new_asset(seed=make_seed("docker compose up -d --build", name="Rebuild containers"))
    outputs = _stream(offline_server, QGPTStreamInput(relevance=QGPTRelevanceInput(
        query="rebuild docker containers", options=QGPTRelevanceInputOptions(question=True))))
    assert outputs[0].status == QGPTStreamEnum.IN_MINUS_PROGRESS
    assert outputs[-1].status == QGPTStreamEnum.COMPLETED
    assert "docker compose up -d --build" in _text(outputs)


def test_model_download_progress(llm_api, llm_server):
    from pieces_os_client.models.model_download_progress import ModelDownloadProgress
    from pieces_os_client.models.model_download_progress_status_enum import ModelDownloadProgressStatusEnum
    fake = [m for m in ModelsApi(llm_api).models_snapshot().iterable if m.name == "fake-model"][0]
    started = ModelApi(llm_api).model_specific_model_download(fake.id)
    assert started.id == fake.id
    ws = websocket.create_connection(f"ws://127.0.0.1:{llm_server}/model/{fake.id}/download/progress", timeout=20)
    updates = []
    while True:
        p = ModelDownloadProgress.from_json(ws.recv())
        updates.append(p)
        if p.status != ModelDownloadProgressStatusEnum.INITIALIZED:
            break
    ws.close()
    assert updates[-1].status == ModelDownloadProgressStatusEnum.COMPLETED
    assert ModelApi(llm_api).models_specific_model_snapshot(fake.id).downloaded


def test_asset_identifier_stream(api, offline_server):
    from pieces_os_client.models.streamed_identifiers import StreamedIdentifiers
    ws = websocket.create_connection(f"ws://127.0.0.1:{offline_server}/assets/stream/identifiers", timeout=20)
    snapshot = StreamedIdentifiers.from_json(ws.recv())
    created = AssetsApi(api).assets_create_new_asset(seed=make_seed("ls -la", name="list files"))
    change = StreamedIdentifiers.from_json(ws.recv())
    ws.close()
    assert created.id not in [i.asset.id for i in snapshot.iterable]
    assert change.iterable[0].asset.id == created.id
