"""The diagnostics' finding titles in the learners' languages, looked up by finding code.

English comes from `explorer.diagnostics.codes` (the one source of codes and
titles); this table adds Japanese beside it, so the lesson checks and the
lesson screen never show an English title to a Japanese learner. A test
keeps every code of CODES translated here. The findings' own messages stay
as the apiserver and controllers write them (people search for them), and
are quoted after the translated title.
"""

from __future__ import annotations

from explorer.diagnostics.codes import CODES
from explorer.lessons.text import DEFAULT_LANG

JA: dict[str, str] = {
    "IE1000": "ローダーが書かれたとおりに読み込めない箇所がある",
    "IE1001": "YAML を読み込めない（構文、重複したキー、エイリアスの爆発）",
    "IE1002": "ファイルを読み込めない（存在しない、バイナリ、UTF-8 でない、大きすぎる）",
    "IE1003": "読むものがない（空のファイル、またはマニフェストのないディレクトリ）",
    "IE1004": "Kubernetes のオブジェクトではない（apiVersion、kind、metadata.name）",
    "IE1005": "未知のフィールド（厳密なデコード）",
    "IE1006": "値の型が違う（厳密なデコード）",
    "IE1007": "アノテーションまたはラベルの値が文字列ではない",
    "IE1008": "同じオブジェクトが 2 回定義され、後の定義が前の定義を置き換える",
    "IE1009": "クラスタスコープの kind に metadata.namespace が書かれている",
    "IE1010": "もう提供されていない apiVersion（Ingress v1beta1、IngressClass v1beta1、beta のワークロード）",
    "IE1011": "v1beta1 のフィールドと、networking.k8s.io/v1 での書き方",
    "IE2001": "pathType の指定が必要",
    "IE2002": "pathType が Exact、Prefix、ImplementationSpecific のどれでもない",
    "IE2003": "path が絶対パスではない",
    "IE2004": "Exact/Prefix の path に //、/./、/../、%2f が含まれるか、/. や /.. で終わる",
    "IE2005": "host が小文字の DNS 名ではない（ポートやスキームは書けない）",
    "IE2006": "host が IP アドレス",
    "IE2007": "ワイルドカードの host が「*.」と DNS 名の形になっていない",
    "IE2008": "http.paths が空",
    "IE2009": "rules も defaultBackend もない",
    "IE2010": "バックエンドには service と resource のどちらか 1 つだけが必要",
    "IE2011": "バックエンドの Service のポートは名前か番号のどちらか 1 つ（両方は不可）",
    "IE2012": "バックエンドの Service のポート番号が 1〜65535 の範囲外",
    "IE2013": "バックエンドの Service のポート名が有効なポート名（IANA_SVC_NAME）ではない",
    "IE2014": "バックエンドの Service 名がないか、DNS-1035 ラベルではない",
    "IE2015": "resource のバックエンドには kind と name が必要",
    "IE2016": "tls の host が有効な DNS 名またはワイルドカードではない",
    "IE2017": "tls の secretName が有効な Secret 名ではない",
    "IE2018": "ingressClassName が有効な IngressClass 名ではない",
    "IE2019": "クラスのアノテーションと ingressClassName が食い違っている",
    "IE2020": "アノテーション kubernetes.io/ingress.class は非推奨",
    "IE2021": "http のないルールは、それ自体では何もルーティングしない",
    "IE2022": "1 つの Ingress に同じ host、path、pathType が 2 回ある",
    "IE3001": "バックエンドの Service が Ingress と同じ名前空間に存在しない",
    "IE3002": "バックエンドの Service にそのポートがない",
    "IE3003": "Service のセレクターに一致する Pod がない",
    "IE3004": "Service にセレクターがなく、その Endpoints も読み込まれていない",
    "IE3005": "Service の背後のワークロードがすべてレプリカ 0",
    "IE3006": "Service の targetPort がどの containerPort とも一致しない",
    "IE3007": "Ingress の背後のコンテナーに readinessProbe がない",
    "IE3008": "readinessProbe のポートがコンテナーの宣言したポートではない",
    "IE3009": "readinessProbe と livenessProbe がまったく同じ",
    "IE3101": "TLS の Secret が Ingress と同じ名前空間に存在しない",
    "IE3102": "TLS の Secret の type が kubernetes.io/tls ではない",
    "IE3103": "TLS の Secret に tls.crt または tls.key がない",
    "IE3104": "ルールの host がどの tls の hosts にも含まれていない",
    "IE3201": "2 つの Ingress に同じ host と path がある",
    "IE4001": "ポートが複数ある Service では、各ポートに名前が必要",
    "IE4002": "Service のポート名が DNS ラベルではないか、2 回使われている",
    "IE4003": "Service の port または targetPort が有効なポートではない",
    "IE4004": "nodePort が 30000〜32767 の範囲外",
    "IE4005": "nodePort が 2 回使われている",
    "IE4006": "ClusterIP の Service に nodePort が書かれている",
    "IE4007": "ワークロードのセレクターがないか、Pod テンプレートのラベルと一致しない",
    "IE5001": "ingressClassName が既知の IngressClass を指していない",
    "IE5002": "選んだコントローラーはこの Ingress を処理しない",
    "IE5003": "GKE は spec.ingressClassName を無視する",
    "IE5004": "クラスの指定がない: ingress-nginx はデフォルトのクラスのときだけ処理する",
    "IE6001": "GKE のバックエンドの Service が NodePort でも LoadBalancer でもなく、NEG のアノテーションもない",
    "IE6002": "NEG のアノテーションが正しい JSON ではない",
    "IE6003": "GKE はこの path を受け付けない（無効なワイルドカード）",
    "IE6004": "ingress-nginx はこの Exact/Prefix の path を受け付けない（strict-validate-path-type）",
    "IE6005": "path の中の正規表現の文字を ingress-nginx は文字どおりに扱う",
    "IE6006": "allow-http \"false\" なのに TLS がない: HTTP も HTTPS も無効",
    "IE6007": "このコントローラーが無視するアノテーション",
    "IE6008": "GKE のヘルスチェックは GET / をリクエストし、200 を必要とする",
    "IE6009": "readinessProbe を GKE のヘルスチェックにできない",
    "IE6010": "静的 IP のアノテーションが IP アドレスや使えないアドレスを指している",
    "IE6011": "BackendConfig のアノテーションが正しくない",
    "IE6012": "Service が指す BackendConfig が存在しない",
    "IE6013": "BackendConfig の healthCheck で timeoutSec が checkIntervalSec より大きい",
    "IE6014": "1 つの host が 2 つのルールにある: GKE は最後のルールの paths だけを使う",
    "IE6015": "Ingress が指す FrontendConfig が存在しない",
    "IE1012": "metadata.name がその kind に有効な名前ではない（DNS-1123 サブドメイン。Service は DNS-1035 ラベル）",
    "IE3010": "バックエンドの Service のポートが TCP ではない（UDP または SCTP）ので HTTP は届かない",
    "IE5005": "ingress-explorer が再現しないコントローラーのクラス（alb、haproxy、AGIC など）",
    "IE6016": "グローバルとリージョンの静的 IP のアノテーションが両方ある",
    "IE6017": "readinessProbe のパスがリダイレクトを返す: kubelet は Ready とみなすが、GKE のヘルスチェックには 200 が必要",
    "IE6018": "ルートベースのクラスタで NEG のアノテーションを使っている: NEG にエンドポイントが入れない",
    "IE6019": "VPC のファイアウォールが GKE のヘルスチェック（130.211.0.0/22、35.191.0.0/16）を落としている",
    "IE6020": "ファイアウォールのルールがバックエンドのポートをインターネット全体に開いている",
    "IE8001": "HTTPRoute が親の Gateway に受け付けられていない（Accepted=False、仕様の理由付き）",
    "IE8002": "HTTPRoute の backendRef が解決できない（ResolvedRefs=False）: その割合の分は 500 になる",
    "IE8003": "Gateway のリスナーが受け付けられていない、解決できない、または競合している",
    "IE7001": "nginx.ingress.kubernetes.io の知らないアノテーション（綴りの誤り）",
    "IE7002": "ingress-nginx が受け付けないアノテーションの値（CIDR、サイズ、コード）",
    "IE7003": "スニペットや annotations-risk-level を超えるアノテーション：Ingress ごと拒否される",
    "IE7004": "キャプチャグループのない rewrite-target：どのサブパスも同じ宛先になる",
    "IE7005": "use-regex や rewrite-target で Prefix /api が /apiary にも一致する正規表現になる",
    "IE7006": "メインの Ingress（同じホスト・パス・pathType）がないカナリア",
    "IE7007": "Basic 認証の Secret かその auth キーがない：すべてのパスが 503",
    "IE7008": "ingress-nginx の Ingress に付いた別のコントローラーのアノテーション",
    "IE7009": "default-backend の Service が存在しないか Ready な Pod がない：nginx は無視し、エンドポイントのない転送先は 503 のまま",
    "IE7010": "default-backend なしの custom-http-errors：その Pod のステータスはコントローラー自身の 404 になる",
}

_TABLES: dict[str, dict[str, str]] = {"ja": JA}


def finding_title(code: str, lang: str) -> str:
    """The title of finding `code` in `lang`; English (CODES) when the language has none, "" for an unknown code."""
    info = CODES.get(code)
    if lang != DEFAULT_LANG and code in _TABLES.get(lang, {}):
        return _TABLES[lang][code]
    return info.title if info is not None else ""
