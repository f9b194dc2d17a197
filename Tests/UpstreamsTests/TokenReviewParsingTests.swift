import JSONWire
import TokenAuth
import Testing
@testable import Upstreams

/// Reading the API server's TokenReview answer: only an explicit `authenticated: true` with a
/// username allows; an answer that cannot be read is "unavailable", never an allow.
@Suite struct TokenReviewParsingTests {
    func result(_ json: String, status: Int = 201) -> TokenReviewResult {
        KubernetesTokenReviewer.result(status: status, body: Array(json.utf8))
    }

    @Test func anAuthenticatedReview() {
        let answer = #"{"kind":"TokenReview","status":{"authenticated":true,"user":{"username":"system:serviceaccount:ci:bot","groups":["system:serviceaccounts","x",3]},"audiences":["gw"]}}"#
        #expect(result(answer) == .authenticated(username: "system:serviceaccount:ci:bot", groups: ["system:serviceaccounts", "x"], audiences: ["gw"]))
        #expect(result(answer, status: 200) == result(answer))
    }

    @Test func anythingButAuthenticatedTrueIsARefusal() {
        #expect(result(#"{"status":{"authenticated":false,"error":"token expired"}}"#) == .rejected("token expired"))
        #expect(result(#"{"status":{}}"#) == .rejected("token not authenticated"))
        #expect(result(#"{"status":{"authenticated":"true","user":{"username":"a"}}}"#) == .rejected("token not authenticated"))
        #expect(result(#"{"status":{"authenticated":true}}"#) == .rejected("token not authenticated"))
        #expect(result(#"{"status":{"authenticated":true,"user":{"username":7}}}"#) == .rejected("token not authenticated"))
    }

    @Test func unusableAnswersAreFailuresNotRefusals() {
        #expect(result(#"{"status":{"authenticated":true,"user":{"username":"a"}}}"#, status: 403) == .failed("TokenReview answered HTTP 403"))
        #expect(result("<html>", status: 201) == .failed("TokenReview reply is not a TokenReview"))
        #expect(result(#"{"kind":"Status"}"#) == .failed("TokenReview reply is not a TokenReview"))
    }

    @Test func theRequestCarriesTheTokenAsAJSONString() throws {
        let token = "abc\"},\"audiences\":[\"evil\"]"
        let doc = try JSONValue(parsing: KubernetesTokenReviewer.requestBody(token: token, audiences: ["gw", "other"]))
        #expect(doc["apiVersion"]?.stringValue == "authentication.k8s.io/v1")
        #expect(doc["kind"]?.stringValue == "TokenReview")
        #expect(doc["spec"]?["token"]?.stringValue == token)
        #expect(doc["spec"]?["audiences"]?.arrayValue?.compactMap(\.stringValue) == ["gw", "other"])
    }
}
