"""The checker's own sentences, in English and Japanese.

The machinery's reasons (routing traces, findings, controller events) stay
in English, as the real apiserver and controllers write them and as people
search for them; these templates frame them in the learner's language.
Kubernetes field and object names stay in English in both.
"""

from __future__ import annotations

from explorer.lessons.text import DEFAULT_LANG

_MESSAGES: dict[str, dict[str, str]] = {
    # ---- what a check wants (the goal)
    "host": {"en": " with Host: {host}", "ja": "（Host: {host}）"},
    "want.route.service": {"en": "{url}{host} reaches Service {service}{port}{via} on {controller}",
                           "ja": "{controller} で {url}{host} が{via} Service {service}{port} に届く"},
    "want.route.status": {"en": "{controller} answers {url}{host} with {status}{via}",
                          "ja": "{controller} が {url}{host} に{via} {status} を返す"},
    "want.route.redirect": {"en": "{controller} redirects {url}{host} with {status} to {location}",
                            "ja": "{controller} が {url}{host} を {status} で {location} へリダイレクトする"},
    "via.ingress": {"en": " through spec.defaultBackend", "ja": " spec.defaultBackend 経由で"},
    "via.controller": {"en": " from its own default backend", "ja": " 自身のデフォルトのバックエンドから"},
    "want.finding.absent": {"en": "no {code} finding on {controller}: {title}",
                            "ja": "{controller} で {code} の指摘が出ない: {title}"},
    "want.finding.present": {"en": "a {code} finding on {controller}: {title}",
                             "ja": "{controller} で {code} の指摘が出る: {title}"},
    "want.health": {"en": "the backend of Service {service} is {state} on {controller}",
                    "ja": "{controller} で Service {service} のバックエンドが {state}"},
    "want.health_check": {"en": "the load balancer's health check of Service {service} requests {path}{source}",
                          "ja": "Service {service} のロードバランサのヘルスチェックが {path} をリクエストする{source}"},
    "source": {"en": " (set by {source})", "ja": "（{source} による設定）"},
    "want.address": {"en": "Ingress {ingress} has the reserved global address {name}, and keeps it when it is "
                           "deleted and created again",
                     "ja": "Ingress {ingress} が予約済みのグローバル静的 IP アドレス {name} を持ち、削除して作り直しても"
                           "同じアドレスのまま"},
    "want.hops": {"en": "{url}{host} travels {hops} on {controller}, with nothing broken",
                  "ja": "{controller} で {url}{host} の経路が {hops} になり、壊れた箇所がない"},
    "want.request": {"en": "through the proxy, {url}{host} answers {status}{pod}{location} ({controller})",
                     "ja": "プロキシ経由で {url}{host} が{pod} {status} を返す{location}（{controller}）"},
    "want.request.pod": {"en": " from a Pod of Service {service}", "ja": " Service {service} の Pod から"},
    "want.request.location": {"en": " with Location: {location}", "ja": "（Location: {location}）"},
    "want.tls": {"en": "a TLS handshake with SNI {sni} returns the certificate in Secret {secret} ({controller})",
                 "ja": "SNI {sni} で TLS ハンドシェイクすると Secret {secret} の証明書が返る（{controller}）"},
    # ---- what it is now
    "got.forward": {"en": "reaches Service {backend}{via}", "ja": "{via} Service {backend} に届く"},
    "got.answer": {"en": "{controller} answers {status} itself", "ja": "{controller} 自身が {status} を返す"},
    "got.redirect": {"en": "redirected with {status} to {location}", "ja": "{status} で {location} へリダイレクトされる"},
    "got.refused": {"en": "nothing answers", "ja": "何も応答しない"},
    "got.finding.present": {"en": "{code} reported at {where}", "ja": "{where} に {code} の指摘あり"},
    "got.finding.absent": {"en": "no {code} finding", "ja": "{code} の指摘なし"},
    "got.health": {"en": "{state}", "ja": "{state}"},
    "got.no_backend": {"en": "the controller made no backend for Service {service}",
                       "ja": "コントローラーが Service {service} のバックエンドを作っていない"},
    "got.health_check": {"en": "GET {path} (set by {source})", "ja": "GET {path}（{source} による設定）"},
    "got.address": {"en": "{before} ({source}); after re-creation {after}",
                    "ja": "{before}（{source}）、作り直した後は {after}"},
    "got.no_address": {"en": "no address", "ja": "アドレスなし"},
    "got.hops": {"en": "{hops}", "ja": "{hops}"},
    "got.request": {"en": "{status} from {pod}", "ja": "{pod} から {status}"},
    "got.request.failed": {"en": "the request failed: {error}", "ja": "リクエストが失敗: {error}"},
    "got.tls": {"en": "certificate for {names} ({source})", "ja": "{names} の証明書（{source}）"},
    "got.not_run": {"en": "not run: this check needs the embedded proxy",
                    "ja": "未実行: このチェックには組み込みプロキシが必要"},
    # ---- framing
    "why": {"en": "Why: {reason}", "ja": "理由: {reason}"},
    "look": {"en": "Look at: {where}", "ja": "確認する場所: {where}"},
    "reason.wrong_service": {"en": "it reaches Service {got} instead of {want}",
                             "ja": "{want} ではなく Service {got} に届いている"},
    "reason.health": {"en": "{who} GET {path} got {got}; it accepts only {accepts}. {why}",
                      "ja": "{who} の GET {path} の応答が {got}。成功とみなすのは {accepts} のみ。{why}"},
    "reason.no_answer": {"en": "no answer", "ja": "応答なし"},
    "reason.source": {"en": "the check was set up from {source}: {why}",
                      "ja": "ヘルスチェックは {source} から設定された: {why}"},
    "reason.address_error": {"en": "the controller could not sync: {error}",
                             "ja": "コントローラーが同期できない: {error}"},
    "reason.address_changed": {"en": "the address is {source}: deleting and creating the Ingress gives it a new one",
                               "ja": "アドレスが {source} なので、Ingress を作り直すと別のアドレスになる"},
    "reason.hops": {"en": "expected {want}", "ja": "期待する経路は {want}"},
    "reason.status": {"en": "expected {want}, got {got}", "ja": "期待は {want}、実際は {got}"},
    "reason.pod": {"en": "answered by {pod}, which is not a Pod of Service {service}",
                   "ja": "応答した {pod} は Service {service} の Pod ではない"},
    "reason.tls": {"en": "the certificate served is not the one in Secret {secret}; the proxy says: {source}",
                   "ja": "返ってきた証明書は Secret {secret} のものではない。プロキシの説明: {source}"},
    "reason.lb_check": {"en": "the load balancer's health check", "ja": "ロードバランサのヘルスチェック"},
    "reason.readiness": {"en": "the readinessProbe", "ja": "readinessProbe"},
    # ---- the lessons command and screen
    "lesson": {"en": "Lesson {order}: {title}", "ja": "レッスン {order}: {title}"},
    "step": {"en": "Step {n}/{total}: {title}", "ja": "ステップ {n}/{total}: {title}"},
    "controller": {"en": "controller: {controller}", "ja": "コントローラー: {controller}"},
    "goal": {"en": "Goal: {goal}", "ja": "ゴール: {goal}"},
    "try": {"en": "Try it: {command}", "ja": "試す: {command}"},
    "when_done": {"en": "When done: {command}", "ja": "できたら: {command}"},
    "stuck": {"en": "Stuck? {command}", "ja": "困ったら: {command}"},
    "copied": {"en": "Copied {files} into {dir}", "ja": "{files} を {dir} にコピーしました"},
    "others": {"en": "Note: {dir} also holds {files}; they are checked too.",
               "ja": "注意: {dir} には {files} もあり、一緒にチェックされます。"},
    "now": {"en": "now", "ja": "現在"},
    "result.pass": {"en": "PASS: step {n}/{total} solved.", "ja": "合格: ステップ {n}/{total} を解きました。"},
    "result.pass_seen": {"en": "PASS: step {n}/{total} solved (after seeing the solution).",
                         "ja": "合格: ステップ {n}/{total} を解きました（解答を見た後）。"},
    "result.fail": {"en": "FAIL: {failed} of {total} checks did not pass.",
                    "ja": "不合格: {total} 個のチェックのうち {failed} 個が通りませんでした。"},
    "next": {"en": "Next:", "ja": "次:"},
    "complete": {"en": "Lesson complete: every step is solved.", "ja": "レッスン完了: すべてのステップを解きました。"},
    "hint": {"en": "Hint {n}/{total}:", "ja": "ヒント {n}/{total}:"},
    "no_more_hints": {"en": "That was the last hint. To see the solution: {command}",
                      "ja": "ヒントはこれで全部です。解答を見るには: {command}"},
    "solution": {"en": "Solution of step {n}/{total}:", "ja": "ステップ {n}/{total} の解答:"},
    "confirm_solution": {"en": "Show the solution of step {n}? The step will count as solved with the solution. [y/N] ",
                         "ja": "ステップ {n} の解答を表示しますか？ このステップは解答を見て解いたものとして記録されます。[y/N] "},
    "applied": {"en": "Applied to {files}. Now run: {command}", "ja": "{files} に適用しました。次に実行: {command}"},
    "progress.none": {"en": "not started", "ja": "未開始"},
    "progress.step": {"en": "step {n}/{total}", "ja": "ステップ {n}/{total}"},
    "progress.done": {"en": "done", "ja": "完了"},
    "progress.solved": {"en": "{solved}/{total} solved", "ja": "{solved}/{total} 解決"},
    "progress.seen": {"en": "{seen} with the solution", "ja": "うち {seen} は解答を見て"},
    "reset.one": {"en": "Progress of {id} forgotten.", "ja": "{id} の進み具合を消去しました。"},
    "reset.all": {"en": "Progress of every lesson forgotten.", "ja": "すべてのレッスンの進み具合を消去しました。"},
}


def say(key: str, lang: str, **values: object) -> str:
    texts = _MESSAGES[key]
    return (texts.get(lang) or texts[DEFAULT_LANG]).format(**values)
