#pragma once
// The template language of stack files: the Liquid subset Kontena users
// write. Supported:
//   {{ expr | filter: arg, arg }}                        output
//   {% if %} {% elsif %} {% else %} {% endif %}          conditions with
//      ==, !=, <>, <, >, <=, >=, contains, and, or
//   {% unless %} ... {% endunless %}
//   {% for x in list|(a..b) [limit: n] [offset: n] [reversed] %} ... {% else %}
//      {% break %} {% continue %} {% endfor %}           forloop.index etc.
//   {% assign x = expr | filter %}  {% capture x %}...{% endcapture %}
//   {% case x %}{% when a, b %}...{% else %}...{% endcase %}
//   {% comment %}...{% endcomment %}  {% raw %}...{% endraw %}
//   whitespace control with {{- -}} / {%- -%}
// Strict mode: an unknown variable, filter or tag is an error.
//
// Rendering never throws, never runs away: loops, output and string values
// are bounded, and syntax nesting is limited; exceeding a bound is an error.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "stacks/value.h"

namespace kontena::stacks {

struct TemplateError {
    int line = 0;     // from 1, in the rendered text
    int column = 0;   // from 1
    std::string message;
};

struct TemplateResult {
    std::string output;                 // meaningful only without errors
    std::vector<TemplateError> errors;  // every problem found, in text order
    std::vector<int> lineBreaks;        // template line of each line break of output
    bool ok() const { return errors.empty(); }
    // The template line that produced line `outputLine` (from 1) of output.
    int sourceLine(int outputLine) const;
};

using TemplateVars = std::map<std::string, Value>;

// Render `text` with `vars` (nil-valued names are defined, as nil).
TemplateResult renderTemplate(std::string_view text, const TemplateVars& vars);

// Names of the filters the renderer knows (for messages and tests).
const std::vector<std::string>& templateFilterNames();

}  // namespace kontena::stacks
