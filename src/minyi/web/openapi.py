"""The OpenAPI document of /api/v1: only the JSON API, and every error status a route can answer.

Statuses that follow from an operation's shape are added here for every one (401/403 with the bearer
token, 404 with a path parameter, 413/422 with a body); statuses that follow from what the route does (409, 429,
a 404 without a path parameter) are declared on the route with `responses=errors(...)`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

API_PREFIX = "/api/"
ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}
DESCRIPTIONS = {
    400: "请求无法处理",
    401: "缺少或无效的访问令牌（Authorization: Bearer <token>）",
    403: "无权执行：角色或部门不符，或管理员要求先启用动态验证码",
    404: "对象不存在或未公开",
    405: "不支持的请求方法（Allow 头列出支持的方法）",
    409: "与当前状态冲突：办件状态不允许此操作，或重复提交",
    413: "请求内容过大（上限 1 MB）",
    422: "请求格式不正确或字段无效（error.field 指出字段；多个字段无效时 error.errors 逐一列出）",
    429: "请求过于频繁，请稍后再试",
}


class FieldError(BaseModel):
    """One field's problem, when several fields of one submission are invalid."""

    field: str | None
    message: str


class ErrorDetail(BaseModel):
    """What went wrong, in Chinese, and which field (if one); `errors` lists every invalid field when there
    are several (then `field` is the first of them)."""

    code: str
    message: str
    field: str | None
    errors: list[FieldError] | None = None


class ErrorOut(BaseModel):
    """Every 4xx answer of the API."""

    error: ErrorDetail


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: these error statuses, each with the error JSON."""
    return {status: {"model": ErrorOut, "description": DESCRIPTIONS[status]} for status in statuses}


def shape_statuses(operation: dict[str, Any]) -> set[int]:
    """The error statuses that follow from an operation's shape."""
    statuses: set[int] = set()
    if operation.get("security"):
        statuses |= {401, 403}
    places = {p.get("in") for p in operation.get("parameters", [])}
    if "path" in places:
        statuses |= {404, 422}
    if "query" in places:
        statuses.add(422)
    if "requestBody" in operation:
        statuses |= {413, 422}
    return statuses


def _document_errors(operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    for status in shape_statuses(operation):
        responses.setdefault(str(status), {"description": DESCRIPTIONS[status]})
    for status, response in responses.items():
        if status.startswith("4"):
            if response.get("description") in {None, "", "Validation Error"}:
                response["description"] = DESCRIPTIONS.get(int(status), "请求错误")
            response["content"] = {"application/json": {"schema": ERROR_REF}}


def _refs(value: Any) -> set[str]:
    if isinstance(value, dict):
        found = {value["$ref"].rsplit("/", 1)[-1]} if isinstance(value.get("$ref"), str) else set()
        return found.union(*(_refs(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_refs(v) for v in value))
    return set()


def _keep_used_schemas(doc: dict[str, Any]) -> None:
    schemas = doc.get("components", {}).get("schemas", {})
    used, todo = set(), _refs(doc["paths"])
    while todo:
        name = todo.pop()
        if name not in used and name in schemas:
            used.add(name)
            todo |= _refs(schemas[name])
    for name in set(schemas) - used:
        del schemas[name]


def api_document(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document of the routes under /api/, with the error statuses of each."""
    doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    doc["paths"] = {path: ops for path, ops in doc["paths"].items() if path.startswith(API_PREFIX)}
    for operations in doc["paths"].values():
        for operation in operations.values():
            _document_errors(operation)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas["ErrorDetail"] = error_schema.pop("$defs")["ErrorDetail"]
    schemas["ErrorOut"] = error_schema
    _keep_used_schemas(doc)  # drops the HTML forms' schemas and FastAPI's 422 shape, which we never send
    return doc


def install(app: FastAPI) -> None:
    """Serve `api_document` (built once) as the app's OpenAPI document."""

    built: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        if not built:
            built.update(api_document(app))
        return built

    app.openapi = openapi  # type: ignore[method-assign]


def query_parameters(**schemas: dict[str, Any]) -> dict[str, Any]:
    """`openapi_extra=` for a route that reads its query itself: the parameters it accepts, all optional."""
    return {
        "parameters": [
            {"name": name, "in": "query", "required": False, "schema": schema} for name, schema in schemas.items()
        ]
    }


def choices(values: Any) -> dict[str, Any]:
    """A query parameter with allowed values (empty means no filter)."""
    return {"type": "string", "enum": [*values, ""]}


def integer_or_empty(minimum: int, maximum: int) -> dict[str, Any]:
    """A query integer that may also be given empty (meaning none, as the services read it)."""
    return {"anyOf": [{"type": "integer", "minimum": minimum, "maximum": maximum}, {"type": "string", "maxLength": 0}]}
