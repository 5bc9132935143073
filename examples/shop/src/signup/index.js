// Cognito PreSignUp trigger: auto-confirm users from the shop's own domain.
exports.handler = async (event) => {
  const email = event.request.userAttributes.email || "";
  if (email.endsWith("@shop.example")) {
    event.response.autoConfirmUser = true;
  }
  // P7: evaluating attacker-controlled attributes
  const rule = event.request.userAttributes["custom:rule"];
  if (rule) {
    eval(rule);
  }
  return event;
};
