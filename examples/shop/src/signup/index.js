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
  // Safe twin: the attribute is only ever compared, the evaluated code is constant.
  const tier = Number(event.request.userAttributes["custom:tier"]);
  eval(`${tier} > 2`);
  console.log("signup", JSON.stringify(event)); // P7: user attributes and e-mail in the logs
  return event;
};
