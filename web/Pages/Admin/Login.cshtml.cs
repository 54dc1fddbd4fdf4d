using System.Security.Claims;
using LiveDash.Admin;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LiveDash.Pages.Admin;

public class LoginModel(AdminPassword password, SignInThrottle throttle) : PageModel
{
    public string ReturnUrl { get; private set; } = "/admin";

    public void OnGet(string? returnUrl) => ReturnUrl = SafeReturn(returnUrl);

    public async Task<IActionResult> OnPostAsync([FromForm(Name = "password")] string? candidate, string? returnUrl)
    {
        ReturnUrl = SafeReturn(returnUrl);
        var address = SignInThrottle.Address(HttpContext);
        if (throttle.IsLockedOut(address, out var retryAfter))
        {
            var seconds = SignInThrottle.RetryAfterHeader(retryAfter);
            ModelState.AddModelError("password", $"Too many wrong passwords from your address; try again in {seconds} s.");
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            Response.Headers.RetryAfter = seconds;
            return Page();
        }
        if (!password.Matches(candidate))
        {
            throttle.RecordFailure(address, "sign-in form");
            ModelState.AddModelError("password", "That password is not right.");
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Page();
        }
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, AdminPassword.UserName), new Claim(ClaimTypes.Role, "admin")],
            CookieAuthenticationDefaults.AuthenticationScheme);
        await HttpContext.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
        return LocalRedirect(ReturnUrl);
    }

    string SafeReturn(string? url) => !string.IsNullOrEmpty(url) && Url.IsLocalUrl(url) ? url : "/admin";
}
